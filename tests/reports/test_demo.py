"""The demo's shape: a login per role, a caseload per team with rounds, interventions
and outcomes, the team of synthetic citizens for model fits, and Fjordby apart."""

from __future__ import annotations

import pytest

from bip.accounts.models import Membership, Role, Team, User
from citizens import cpr
from citizens.models import Citizen
from interventions.models import InterventionEpisode, Outcome
from measurements.models import Round
from reports.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db

USERNAMES = {
    "admin",
    "analytiker",
    "systemadmin",
    "teamleder1",
    "teamleder2",
    *(f"sagsbehandler{n}" for n in range(1, 15)),
    "fjordby-sagsbehandler",
    "fjordby-admin",
}


def test_the_demo_has_a_login_per_role_and_a_caseload_per_team():
    result = load_demo(citizens_per_team=6, cohort_citizens=40)
    assert {login.username for login in result.logins} == USERNAMES
    assert (
        set(
            User.objects.filter(email__endswith="@demo.invalid").values_list(
                "username", flat=True
            )
        )
        == USERNAMES
    )
    for user in User.objects.filter(username__in=USERNAMES):
        assert user.check_password(DEMO_PASSWORD), user.username
    sizes = {
        team.name: Citizen.objects.filter(team=team).count()
        for team in Team.objects.all()
    }
    assert sizes == {
        "Team Ung": 6,
        "Team Sundhed": 6,
        "Team Job": 6,
        "Team Ressource": 6,
        "Team Analyse (syntetiske data)": 40,
        "Team Fjord": 10,
    }
    assert result.citizens == 74
    for team in Team.objects.all():
        rounds = Round.objects.filter(team=team)
        # each citizen has a year or more of quarterly rounds
        assert rounds.count() >= 4 * sizes[team.name], team.name
        assert InterventionEpisode.objects.filter(enrolment__team=team).exists()
        # rounds are made by the team's own case workers
        own = Membership.objects.filter(team=team, role=Role.CASEWORKER)
        assert set(rounds.values_list("caseworker", flat=True)) <= set(
            own.values_list("user", flat=True)
        ), team.name
    cohort_team = Team.objects.get(name="Team Analyse (syntetiske data)")
    assert Outcome.objects.filter(enrolment__team=cohort_team, kind="job").exists()
    # the caseloads' numbers look like real ones: they pass modulus 11
    for c in Citizen.objects.exclude(team=cohort_team):
        assert cpr.modulus11_ok(c.cpr_clear().replace("-", ""))


def test_loading_the_demo_twice_adds_nothing():
    load_demo(citizens_per_team=2)
    before = Citizen.objects.count()
    again = load_demo(citizens_per_team=2)
    assert again.created is False
    assert Citizen.objects.count() == before
    assert {login.username for login in again.logins} >= USERNAMES - {
        "sagsbehandler13",
        "sagsbehandler14",
    }


@pytest.mark.timeout(300)
def test_teamleder1_lands_on_a_dashboard_with_figures(client):
    from django.urls import reverse

    from reports.demo import dashboards_demo, score_demo
    from reports.models import DashboardCell

    load_demo(citizens_per_team=8, cohort_citizens=0)
    score_demo()
    assert dashboards_demo() >= 1
    leader = User.objects.get(username="teamleder1")
    led = Team.objects.filter(
        membership__user=leader, membership__role=Role.TEAM_LEADER
    )
    cells = DashboardCell.objects.filter(team__in=led)
    assert len(set(cells.values_list("quarter", flat=True))) >= 4
    assert set(cells.values_list("team", flat=True)) == set(
        led.values_list("pk", flat=True)
    )
    assert len(set(cells.values_list("target_group", flat=True))) >= 2
    assert any(c.outcomes for c in cells)
    client.force_login(leader)
    start = client.get("/")
    assert start["Location"] == reverse("reports:dashboard")
    html = client.get(start["Location"]).content.decode()
    assert 'id="no-figures"' not in html
    for team in led:
        assert team.name in html
    assert "/citizens/?" in html  # numbers lead to the citizens behind them
    # nothing is left to compute
    assert dashboards_demo() == 0


def test_the_demo_also_runs_a_refresh_waiting_out_its_quiet_period(world):
    from datetime import timedelta

    from django.utils import timezone

    from bip.jobs.services import enqueue
    from reports.aggregates import KIND
    from reports.demo import dashboards_demo

    job = enqueue(
        kind=KIND,
        municipality_id=world.municipality.pk,
        not_before=timezone.now() + timedelta(minutes=5),
    )
    assert dashboards_demo() == 1
    job.refresh_from_db()
    assert job.state == "done", job.error

from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bip.accounts.models import Role
from measurements.models import Round
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def add_complete_round(citizen, day):
    enrolment = citizen.enrolments.get()
    return Round.objects.create(
        enrolment=enrolment,
        municipality=citizen.municipality,
        instrument_version_id=1,
        state=Round.State.COMPLETE,
        round_date=day,
        created_by=citizen.caseworker,
    )


def caseload_queries(client, n_citizens, caseworker, world):
    for _ in range(n_citizens):
        c = CitizenFactory(team=world.team, caseworker=caseworker)
        add_complete_round(c, TODAY - timedelta(days=100))
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/citizens/?view=mine")
    assert r.status_code == HTTPStatus.OK
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_caseload(client, caseworker, world):
    client.force_login(caseworker)
    with time_machine.travel(TODAY):
        small = caseload_queries(client, 10, caseworker, world)
        Round.objects.all().delete()
        large = caseload_queries(client, 190, caseworker, world)  # 200 in all
    assert small == large


def test_due_dates_and_overdue_first(client, caseworker, world, municipal_admin):
    CitizenFactory(
        team=world.team,
        caseworker=caseworker,
        name="Aase Ingen",
        enrolment_start=date(2026, 5, 1),
    )
    recent = CitizenFactory(team=world.team, caseworker=caseworker, name="Bo Nylig")
    add_complete_round(recent, TODAY - timedelta(days=10))
    late = CitizenFactory(team=world.team, caseworker=caseworker, name="Carl Sen")
    add_complete_round(late, TODAY - timedelta(days=120))
    late.round_interval_days = 200  # overridden per citizen: not overdue after all
    late.save()
    very_late = CitizenFactory(
        team=world.team, caseworker=caseworker, name="Dorte Forsinket"
    )
    add_complete_round(very_late, TODAY - timedelta(days=200))
    client.force_login(caseworker)
    with time_machine.travel(TODAY):
        r = client.get("/citizens/")
        rows = {row["citizen"].name: row for row in r.context["rows"]}
        order = [row["citizen"].name for row in r.context["rows"]]
    # most overdue first; Carl's own 200-day interval puts him a day before Bo
    assert order == ["Dorte Forsinket", "Aase Ingen", "Carl Sen", "Bo Nylig"]
    assert rows["Aase Ingen"]["due"] == date(2026, 5, 1)  # baseline due at enrolment
    assert rows["Dorte Forsinket"]["overdue"] is True
    assert rows["Dorte Forsinket"]["days_overdue"] == 200 - 91
    assert rows["Bo Nylig"]["due"] == TODAY - timedelta(days=10) + timedelta(days=91)
    assert rows["Carl Sen"]["overdue"] is False
    with time_machine.travel(TODAY):
        only = client.get("/citizens/?overdue=1").context["rows"]
    assert [row["citizen"].name for row in only] == ["Dorte Forsinket", "Aase Ingen"]


def test_municipality_interval_setting(client, caseworker, world):
    c = CitizenFactory(team=world.team, caseworker=caseworker)
    add_complete_round(c, TODAY - timedelta(days=50))
    world.municipality.round_interval_days = 45
    world.municipality.save()
    client.force_login(caseworker)
    with time_machine.travel(TODAY):
        row = client.get("/citizens/").context["rows"][0]
    assert row["overdue"] is True


def test_ended_enrolment_has_nothing_due(client, caseworker, world):
    from citizens.services import enrolment_end

    c = CitizenFactory(team=world.team, caseworker=caseworker)
    enrolment_end(citizen=c, end=date(2026, 3, 1), reason="job", by=caseworker)
    client.force_login(caseworker)
    with time_machine.travel(TODAY):
        row = client.get("/citizens/").context["rows"][0]
    assert row["due"] is None


def test_team_view_for_leader_and_pagination(client, team_leader, caseworker, world):
    for _ in range(55):
        CitizenFactory(team=world.team, caseworker=caseworker)
    client.force_login(team_leader)
    first = client.get("/citizens/?view=team")
    assert len(first.context["rows"]) == 50
    second = client.get("/citizens/?view=team&page=2")
    assert len(second.context["rows"]) == 5


def test_bad_sort_and_page_fall_back(client, caseworker, citizen):
    client.force_login(caseworker)
    r = client.get("/citizens/?sort=evil&page=abc&view=nope")
    assert r.status_code == HTTPStatus.OK


def test_the_team_filter_lists_one_team_and_never_another_teams(
    client, world, team_leader, caseworker, other_team_caseworker
):
    """The team dashboard's overdue link: one of the leader's teams; a team they do
    not lead lists nobody, because the list is scoped first."""
    MembershipFactory(
        user=team_leader,
        role=Role.TEAM_LEADER,
        team=world.other_team,
        municipality=world.municipality,
        valid_from=date(2020, 1, 1),
    )
    mine = CitizenFactory(team=world.team, caseworker=caseworker, name="Ida Holm")
    CitizenFactory(team=world.other_team, caseworker=other_team_caseworker)
    not_led = TeamFactory(unit=world.unit, name="Team C")
    stranger = CitizenFactory(team=not_led, name="Bo Lund")
    client.force_login(team_leader)
    assert len(client.get("/citizens/?view=team").context["rows"]) == 2
    listed = client.get(f"/citizens/?view=team&team={world.team.pk}").context["rows"]
    assert [r["citizen"].pk for r in listed] == [mine.pk]
    response = client.get(f"/citizens/?view=team&team={not_led.pk}")
    assert response.status_code == HTTPStatus.OK
    assert response.context["rows"] == []
    assert stranger.name not in response.content.decode()
    page = client.get(f"/citizens/?view=team&team={world.team.pk}&overdue=1")
    assert f'name="team" value="{world.team.pk}"' in page.content.decode()

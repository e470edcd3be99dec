"""The case-worker comparison page (team leaders only): figures from the stored sums,
small caseloads suppressed, another team's leader 404, the caution shown."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bip.accounts.models import Role
from bip.audit.models import AuditEvent
from measurements.models import ModelVersion
from reports.models import DashboardCell, DashboardMember, DashboardRefresh
from tests.conftest import _member

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

QUARTERS = [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)]


def oe(n: int, o: float, e: float, p: float) -> dict[str, float]:
    """Sums of n units with observed o and expected e, each unit's p = e / n."""
    return {"n": n, "o": o, "e": e, "s": n * p * p}


@pytest.fixture
def refresh(world):
    model = ModelVersion.objects.create(
        municipality=world.municipality, kind="reference", coefficients={}
    )
    return DashboardRefresh.objects.create(
        municipality=world.municipality, model_version=model, computed_at=timezone.now()
    )


def add_cell(refresh, *, team, caseworker, quarter, progress, job, citizens):
    cell = DashboardCell.objects.create(
        refresh=refresh,
        municipality=refresh.municipality,
        unit=team.unit,
        team=team,
        caseworker=caseworker,
        quarter=quarter,
        rounds_done=len(citizens),
        oe={"progress": progress, "job": job},
    )
    DashboardMember.objects.bulk_create(
        DashboardMember(cell=cell, figure="done", citizen_id=c) for c in citizens
    )
    return cell


@pytest.fixture
def team_figures(world, refresh, caseworker, teammate):
    """Over three quarters: the case worker's 40 citizens progress twice as often as
    expected; the teammate's 40 as expected; a third case worker has 3 citizens."""
    small = _member("small_caseload", Role.CASEWORKER, team=world.team)
    for q in QUARTERS:
        add_cell(
            refresh,
            team=world.team,
            caseworker=caseworker,
            quarter=q,
            progress=oe(40, 24, 12, 0.3),
            job=oe(40, 2, 2.0, 0.05),
            citizens=range(1, 41),
        )
        add_cell(
            refresh,
            team=world.team,
            caseworker=teammate,
            quarter=q,
            progress=oe(40, 12, 12, 0.3),
            job=oe(40, 2, 2.0, 0.05),
            citizens=range(101, 141),
        )
        add_cell(
            refresh,
            team=world.team,
            caseworker=small,
            quarter=q,
            progress=oe(3, 3, 0.9, 0.3),
            job=oe(3, 1, 0.15, 0.05),
            citizens=[201, 202, 203],
        )
    return small


def url(team, **query):
    base = reverse("reports:comparison", args=[team.pk])
    return base + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def row_of(html: str, name: str) -> str:
    start = html.index(f'<th scope="row">{name}</th>')
    return html[start : html.index("</tr>", start)]


def test_the_leader_sees_who_stands_out_with_the_caution(
    client, world, team_leader, caseworker, teammate, team_figures
):
    client.force_login(team_leader)
    response = client.get(url(world.team))
    assert response.status_code == 200
    html = response.content.decode()
    assert "not a verdict" in html or "ikke en dom" in html
    progress = html[
        html.index('id="measure-progress"') : html.index('id="measure-job"')
    ]
    strong = row_of(progress, caseworker.get_full_name())
    usual = row_of(progress, teammate.get_full_name())
    # 72 observed against 36 expected over the three quarters
    assert ">72<" in strong
    assert "More than expected" in strong or "Flere end" in strong
    assert ">36<" in usual
    assert "As expected" in usual or "Som forventet" in usual
    rows = {r.name: r for r in response.context["measures"][0].rows}
    assert rows[caseworker.get_full_name()].citizens == 40


def test_a_caseload_under_5_citizens_shows_no_figure(
    client, world, team_leader, team_figures
):
    client.force_login(team_leader)
    html = client.get(url(world.team)).content.decode()
    for measure in ("progress", "job"):
        part = html[html.index(f'id="measure-{measure}"') :]
        row = row_of(part, team_figures.get_full_name())
        assert "&lt;5" in row
        # 9 rounds, 9 or 3 observed, 2.7 or 0.45 expected: none of it shown
        assert not any(f">{x}<" in row for x in ("9", "3", "2,7", "2.7", "0,45"))
    charts = [m.chart for m in client.get(url(world.team)).context["measures"]]
    assert all(
        p["label"] != team_figures.get_full_name() for c in charts for p in c["points"]
    )


def test_the_period_filters_the_quarters(
    client, world, team_leader, caseworker, team_figures
):
    client.force_login(team_leader)
    response = client.get(url(world.team, first="2026-07-01", last="2026-07-01"))
    progress = response.content.decode()
    row = row_of(
        progress[progress.index('id="measure-progress"') :], caseworker.get_full_name()
    )
    assert ">24<" in row
    assert ">72<" not in row


@pytest.mark.parametrize(
    "query",
    [
        {"first": "2026-07-01", "last": "2026-01-01"},
        {"first": "junk", "last": "2026-01-01"},
    ],
)
def test_a_wrong_period_is_a_form_error(
    client, world, team_leader, team_figures, query
):
    client.force_login(team_leader)
    response = client.get(url(world.team, **query))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["measures"] is None
    assert (
        'class="invalid-feedback"' in response.content.decode()
        or "alert-danger" in response.content.decode()
    )


def test_another_teams_leader_gets_404_and_the_denial_is_logged(
    client, world, team_figures
):
    other_leader = _member("other_leader", Role.TEAM_LEADER, team=world.other_team)
    client.force_login(other_leader)
    response = client.get(url(world.team))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor_id=other_leader.pk, action="access.denied", object_type="team"
    ).exists()


@pytest.mark.parametrize("who", ["caseworker", "analyst", "municipal_admin"])
def test_only_team_leaders_may_compare(client, request, world, team_figures, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(world.team)).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world.team))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_view_is_audited(client, world, team_leader, team_figures):
    client.force_login(team_leader)
    client.get(url(world.team))
    event = AuditEvent.objects.get(
        actor_id=team_leader.pk, action="statistics.caseworkers"
    )
    assert event.object_id == str(world.team.pk)


def test_before_the_first_refresh_the_page_says_so(client, world, team_leader):
    client.force_login(team_leader)
    response = client.get(url(world.team))
    assert response.status_code == 200
    assert response.context["measures"] is None
    assert response.context["refresh"] is None


def test_queries_do_not_grow_with_the_cells(
    client, world, team_leader, refresh, caseworker
):
    client.force_login(team_leader)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(world.team)).status_code == 200
        return len(ctx.captured_queries)

    add_cell(
        refresh,
        team=world.team,
        caseworker=caseworker,
        quarter=QUARTERS[0],
        progress=oe(10, 3, 3, 0.3),
        job=oe(10, 1, 0.5, 0.05),
        citizens=range(10),
    )
    few = count()
    for i in range(30):
        worker = _member(f"cw{i}", Role.CASEWORKER, team=world.team)
        for q in QUARTERS:
            add_cell(
                refresh,
                team=world.team,
                caseworker=worker,
                quarter=q,
                progress=oe(10, 3, 3, 0.3),
                job=oe(10, 1, 0.5, 0.05),
                citizens=range(1000 * i, 1000 * i + 10),
            )
    assert count() == few


def test_by_default_the_last_four_quarters_up_to_today(
    client, world, team_leader, refresh, caseworker, team_figures
):
    """Quarters after today hold only rounds falling due: not the default."""
    add_cell(
        refresh,
        team=world.team,
        caseworker=caseworker,
        quarter=date(2099, 1, 1),
        progress=oe(10, 3, 3, 0.3),
        job=oe(10, 1, 0.5, 0.05),
        citizens=range(10),
    )
    client.force_login(team_leader)
    response = client.get(url(world.team))
    form = response.context["form"]
    assert form.period() == (QUARTERS[0], QUARTERS[-1])
    assert "2099" in response.content.decode()  # still a choice

"""The quarterly report of a job centre as a PDF: the job centre's dashboard for one
quarter, read back from the PDF's text: the unit, the quarter, "as of", every
figure's title and table with the dashboard page's own numbers (small cells hidden
for a team leader, shown to the admin). Only the job centre's team leaders and the
municipal admins may print it: another job centre's leader gets 404, other roles
403; bad input 400; every print audited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from http import HTTPStatus
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from bip.accounts.models import Role
from bip.audit.models import AuditEvent
from citizens.models import TargetGroup
from measurements.scoring.versions import active_model
from reports.models import DashboardCell, DashboardRefresh
from tests.conftest import _member
from tests.factories import TeamFactory, UnitFactory
from tests.reports.dashboard_fixtures import TEAM_QUARTER

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(90)]
Q1, Q2, Q3 = date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1)
NOW = datetime(2025, 8, 15, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


def cell(refresh, team, caseworker, quarter, **fields):
    return DashboardCell.objects.create(
        refresh=refresh,
        municipality_id=refresh.municipality_id,
        unit_id=team.unit_id,
        team=team,
        caseworker=caseworker,
        target_group=TargetGroup.objects.get(code="kontant_aktivitetsparat"),
        quarter=quarter,
        **fields,
    )


@pytest.fixture
def other_unit(world):
    unit = UnitFactory(municipality=world.municipality, name="Jobcenter Syd")
    team = TeamFactory(unit=unit, name="Team Syd")
    leader = _member("leader_south", Role.TEAM_LEADER, team=team)
    return unit, team, leader


@pytest.fixture
def cells(world, caseworker, other_team_caseworker, other_unit):
    refresh = DashboardRefresh.objects.create(
        municipality=world.municipality,
        model_version=active_model(municipality_id=world.municipality.pk),
        computed_at=datetime(2025, 8, 14, 4, 0, tzinfo=UTC),  # 06:00 in Denmark
        rounds=40,
    )
    cell(
        refresh,
        world.team,
        caseworker,
        Q2,
        **TEAM_QUARTER,
    )
    cell(
        refresh,
        world.other_team,
        other_team_caseworker,
        Q2,
        rounds_due=9,
        rounds_done=6,
        progress=3,
        standstill=3,
        regression=0,
        mix={"none": {"n": 6, "progress": 3, "standstill": 3, "regression": 0}},
        indicators={
            "citizen": {"self_efficacy": [18.0, 6]},
            "caseworker": {"self_efficacy": [24.0, 6]},
        },
        p12_bins=[0, 0, 0, 6, 0, 0, 0, 0, 0, 0],
        p12_sum=6 * 0.35,
        p12_n=6,
        outcomes={"job": {"n": 5, "days": 600}, "education": {"n": 1, "days": 90}},
    )
    # another quarter and another job centre: in neither report of Q2
    cell(refresh, world.team, caseworker, Q1, rounds_due=311, rounds_done=297)
    _unit, team, _leader = other_unit
    cell(refresh, team, None, Q2, rounds_due=777, rounds_done=733)
    # rounds falling due later: not the default quarter
    cell(refresh, world.team, caseworker, date(2025, 10, 1), rounds_due=5)
    return refresh


def url(unit, **params):
    base = reverse("reports:unit_report", args=[unit.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()))


def text_of(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def dashboard(client, unit, quarter):
    """The job centre's dashboard page for the same viewer and quarter: its
    context holds the figures and the teams' rows it shows."""
    r = client.get(
        reverse("reports:dashboard_unit", args=[unit.pk]),
        {"quarter_from": quarter.isoformat(), "quarter_to": quarter.isoformat()},
    )
    assert r.status_code == HTTPStatus.OK
    return r.context


def assert_same_as_dashboard(text: str, page) -> None:
    """Every figure's title, column heads and rows, then every team's row, in the
    PDF in the dashboard page's order and with its texts."""
    figs = page["figures"]
    assert len(figs) == 6
    position = 0
    for fig in figs:
        position = text.index(" ".join(fig.title.split()), position)
        # column heads wrap inside their cells: compared without the spaces
        squeezed = "".join(text[position:].split())
        assert "".join("".join(str(c).split()) for c in fig.columns) in squeezed
        for row in fig.rows:
            line = " ".join([row.label, *(n.text for n in row.cells)])
            position = text.index(" ".join(line.split()), position)
    assert page["parts"]
    for row in page["parts"]:
        part = row.part
        cells = [part.due, part.done, part.progress, part.still, part.outcomes]
        line = " ".join([row.label, *(n.text for n in cells)])
        position = text.index(" ".join(line.split()), position)


def test_a_team_leader_prints_the_quarter_with_small_cells_hidden(
    client, team_leader, world, cells
):
    client.force_login(team_leader)
    r = client.get(url(world.unit, quarter="2025-2"))
    assert r.status_code == HTTPStatus.OK
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;")
    assert f"kvartalsrapport-{world.unit.pk}-2025-2.pdf" in r["Content-Disposition"]
    assert "no-store" in r["Cache-Control"]
    text = text_of(r.content)
    assert text.startswith("Kvartalsrapport for Jobcenter Nord")
    assert "Dato: 15.08.2025" in text
    assert "Tal pr. 14.08.2025 06:00" in text
    assert "Side 1 af" in text
    assert "vises tal fra 1 til 4 som <5" in text
    # the figures of the job centre in the quarter, both teams, as on the dashboard
    assert_same_as_dashboard(text, dashboard(client, world.unit, Q2))
    # rounds due and done: 8 + 9 and 7 + 6; nothing of Q1 or of Jobcenter Syd
    assert " 17 13 76 % " in text
    assert "311" not in text
    assert "777" not in text
    assert "Jobcenter Syd" not in text
    # a regression count of 1 is hidden; so is the education outcome of 1
    assert "<5" in text
    # the job centre's teams, as on its dashboard
    assert "Team A" in text
    assert "Team B" in text


def test_the_admin_sees_every_count(client, municipal_admin, world, cells):
    client.force_login(municipal_admin)
    r = client.get(url(world.unit, quarter="2025-2"))
    assert r.status_code == HTTPStatus.OK
    text = text_of(r.content)
    assert_same_as_dashboard(text, dashboard(client, world.unit, Q2))
    assert "<5" not in text
    assert "som <5, og" not in text
    assert "Team A" in text
    assert "Team B" in text


def test_by_default_the_latest_quarter_up_to_today(
    client, municipal_admin, world, cells
):
    client.force_login(municipal_admin)
    r = client.get(reverse("reports:unit_report", args=[world.unit.pk]))
    assert r.status_code == HTTPStatus.OK
    assert "2025-2.pdf" in r["Content-Disposition"]


def test_a_quarter_without_figures(client, municipal_admin, world, cells):
    client.force_login(municipal_admin)
    text = text_of(client.get(url(world.unit, quarter="2024-3")).content)
    assert "Der er ingen tal for dette kvartal." in text


def test_before_any_refresh(client, municipal_admin, world):
    client.force_login(municipal_admin)
    r = client.get(url(world.unit, quarter="2025-2"))
    assert r.status_code == HTTPStatus.OK
    assert "Der er endnu ingen tal" in text_of(r.content)


@pytest.mark.parametrize("bad", ["2025-5", "2025", "Q2-2025", "1999-1", "2025-2x"])
def test_a_bad_quarter_is_refused(client, municipal_admin, world, cells, bad):
    client.force_login(municipal_admin)
    r = client.get(url(world.unit, quarter=bad))
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert not AuditEvent.objects.filter(action="dashboard.report_pdf").exists()


def test_the_charts_are_vector_graphics(client, municipal_admin, world, cells):
    client.force_login(municipal_admin)
    reader = PdfReader(BytesIO(client.get(url(world.unit, quarter="2025-2")).content))
    drawn = b""
    for page in reader.pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        for name in xobjects:
            assert xobjects[name].get_object().get("/Subtype") != "/Image", name
        drawn += page.get_contents().get_data()
    assert b" re " in drawn or b" re\n" in drawn


def test_every_print_is_audited(client, team_leader, world, cells):
    client.force_login(team_leader)
    client.get(url(world.unit, quarter="2025-2"))
    event = AuditEvent.objects.get(action="dashboard.report_pdf")
    assert event.actor_id == team_leader.pk
    assert (event.object_type, event.object_id) == ("unit", str(world.unit.pk))
    assert event.purpose == "follow_up"


def test_another_job_centres_leader_gets_404(client, world, cells, other_unit):
    _unit, _team, leader = other_unit
    client.force_login(leader)
    r = client.get(url(world.unit, quarter="2025-2"))
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert "Jobcenter Nord" not in r.content.decode()
    assert AuditEvent.objects.filter(
        actor_id=leader.pk, action="access.denied", object_id=str(world.unit.pk)
    ).exists()
    assert not AuditEvent.objects.filter(action="dashboard.report_pdf").exists()
    # their own job centre they may print
    assert client.get(url(_unit, quarter="2025-2")).status_code == HTTPStatus.OK


def test_another_municipalitys_admin_gets_404(
    client, other_municipality_admin, world, cells
):
    client.force_login(other_municipality_admin)
    r = client.get(url(world.unit, quarter="2025-2"))
    assert r.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("role", ["caseworker", "analyst"])
def test_case_workers_and_analysts_may_not(client, request, world, cells, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    r = client.get(url(world.unit, quarter="2025-2"))
    assert r.status_code == HTTPStatus.FORBIDDEN
    assert AuditEvent.objects.filter(actor_id=user.pk, action="access.denied").exists()
    assert not AuditEvent.objects.filter(action="dashboard.report_pdf").exists()


def test_anonymous_is_sent_to_log_in(client, world, cells):
    r = client.get(url(world.unit, quarter="2025-2"))
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"].startswith("/login/")


def test_the_dashboard_offers_the_report_to_who_may_print_it(
    client, team_leader, analyst, world, cells
):
    client.force_login(team_leader)
    page = reverse("reports:dashboard_unit", args=[world.unit.pk])
    body = client.get(
        page, {"quarter_from": Q1.isoformat(), "quarter_to": Q2.isoformat()}
    )
    html = body.content.decode()
    assert f'href="{url(world.unit, quarter="2025-2")}"' in html
    assert "Udskriv kvartalsrapporten for" in html
    client.force_login(analyst)  # may read the dashboard, not print the report
    html = client.get(page).content.decode()
    assert "report.pdf" not in html

"""The dashboards' pages: figures from the aggregate cells, who sees which, small
cells hidden with complementary suppression, the drill-down to exactly the citizens
behind a number, the CSVs, the filter's errors and the number of queries."""

from __future__ import annotations

import csv
import html as html_module
import io
import re
from datetime import date, timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bip.accounts.models import Role
from bip.audit.models import AuditEvent, AuditEventCitizen
from bip.jobs.models import Job
from measurements.scoring.versions import active_model
from reports.aggregates import KIND as DASHBOARDS_JOB
from reports.models import DashboardCell, DashboardMember, DashboardRefresh
from tests.conftest import _member
from tests.factories import CitizenFactory
from tests.reports.dashboard_fixtures import Q1, Q2

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


def row(html, table, label):
    """The cells' texts of a row of a table, by its label."""
    body = html.split(f'id="table-{table}"', 1)[1].split("</table>", 1)[0]
    for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [
            html_module.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
        ]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label} in {table}")


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


def test_a_team_leader_lands_on_the_job_centre_dashboard(client, team_leader, dash):
    client.force_login(team_leader)
    english(client)
    start = client.get("/")
    assert start["Location"] == reverse("reports:dashboard")
    response = client.get(start["Location"])
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Jobcenter Nord" in html
    # the job centre's Q1: 4 + 5 progress, 2 + 1 standstill, 1 + 1 regression
    assert row(html, "classes", "Q1 2025")[:4] == ["9", "<5", "<5", "14"]
    assert row(html, "rounds", "Q1 2025")[:2] == ["15", "14"]
    assert "as of" in html.lower()
    assert AuditEvent.objects.filter(
        actor_id=team_leader.pk, action="dashboard.view"
    ).exists()


def test_the_job_centre_lists_every_team_and_links_only_the_leaders_own(
    client, team_leader, dash, world
):
    client.force_login(team_leader)
    english(client)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert row(html, "parts", world.team.name)[:2] == ["16", "15"]
    assert row(html, "parts", world.other_team.name)[:2] == ["7", "7"]
    assert reverse("reports:dashboard_team", args=[world.team.pk]) in html
    assert reverse("reports:dashboard_team", args=[world.other_team.pk]) not in html


def test_small_cells_are_hidden_with_their_complement(client, team_leader, dash):
    """Q2 of the job centre: progress 5, standstill 3, regression 0 of 8. The 3
    alone hidden would follow from 8 - 5 - 0: the 5 is hidden too."""
    client.force_login(team_leader)
    english(client)
    html = client.get(reverse("reports:dashboard")).content.decode()
    cells = row(html, "classes", "Q2 2025")
    assert cells[:4] == ["<5", "<5", "0", "8"]
    shown = [int(c) for c in cells[:3] if c.isdigit()]
    assert sum(shown) != 8  # the total minus the shown cells does not give a count
    assert "3" not in cells[:3]
    assert "5" not in cells[:3]


def test_the_team_page_shows_the_team_unsuppressed(client, team_leader, dash, world):
    client.force_login(team_leader)
    english(client)
    html = client.get(
        reverse("reports:dashboard_team", args=[world.team.pk])
    ).content.decode()
    assert row(html, "classes", "Q1 2025")[:4] == ["4", "2", "1", "7"]
    assert row(html, "outcomes", "Job") == ["2", "100"]
    assert row(html, "indicators", "Belief in getting a job")[:2] == ["2.0", "3.0"]
    assert row(html, "p12", "Average job probability")[:2] == ["30 %", "35 %"]
    # team B's figures are not on team A's page
    assert row(html, "rounds", "Q1 2025")[:2] == ["8", "7"]


def test_the_filter_chooses_quarters_and_target_group(
    client, team_leader, dash, world, groups
):
    client.force_login(team_leader)
    english(client)
    url = reverse("reports:dashboard_team", args=[world.team.pk])
    html = client.get(
        url,
        {
            "quarter_from": Q2.isoformat(),
            "quarter_to": Q2.isoformat(),
            "target_group": groups[1].pk,
        },
    ).content.decode()
    assert row(html, "rounds", "Q2 2025")[:2] == ["2", "2"]
    with pytest.raises(AssertionError):
        row(html, "rounds", "Q1 2025")
    # the links keep the filter
    assert f"target_group={groups[1].pk}" in html


@pytest.mark.parametrize(
    "params",
    [
        {"quarter_from": Q2.isoformat(), "quarter_to": Q1.isoformat()},
        {"quarter_from": "2031-13-01"},
        {"target_group": "x"},
    ],
)
def test_a_bad_filter_shows_an_error(client, team_leader, dash, world, params):
    client.force_login(team_leader)
    english(client)
    response = client.get(
        reverse("reports:dashboard_team", args=[world.team.pk]), params
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "The filter could not be used" in html
    assert 'aria-invalid="true"' in html
    # the default quarters are shown instead
    assert row(html, "rounds", "Q1 2025")[:2] == ["8", "7"]


@pytest.fixture
def other_leader(world):
    return _member("other_leader", Role.TEAM_LEADER, team=world.other_team)


def test_another_teams_leader_gets_404_on_the_team_and_its_drill_downs(
    client, other_leader, dash, world
):
    client.force_login(other_leader)
    for name in ("reports:dashboard_team", "reports:dashboard_team_citizens"):
        response = client.get(
            reverse(name, args=[world.team.pk]),
            {"figure": "done"},
        )
        assert response.status_code == HTTPStatus.NOT_FOUND, name
    assert (
        AuditEvent.objects.filter(
            actor_id=other_leader.pk, action="access.denied", object_type="team"
        ).count()
        == 2
    )


def test_an_analyst_sees_aggregates_but_never_citizens(
    client, analyst, dash, world, caseworker
):
    client.force_login(analyst)
    english(client)
    html = client.get(
        reverse("reports:dashboard_unit", args=[world.unit.pk])
    ).content.decode()
    assert row(html, "classes", "Q1 2025")[:4] == ["9", "<5", "<5", "14"]
    assert "/citizens/?" not in html  # no drill-down links
    for name, pk in (
        ("reports:dashboard_unit_citizens", world.unit.pk),
        ("reports:dashboard_team_citizens", world.team.pk),
        ("reports:dashboard_caseworker_citizens", caseworker.pk),
        ("reports:dashboard_caseworker", caseworker.pk),
    ):
        response = client.get(reverse(name, args=[pk]), {"figure": "done"})
        assert response.status_code == HTTPStatus.NOT_FOUND, name


def test_a_case_worker_sees_only_their_own_figures(
    client, caseworker, other_team_caseworker, dash, world
):
    client.force_login(caseworker)
    english(client)
    html = client.get(reverse("reports:dashboard_mine")).content.decode()
    assert row(html, "rounds", "Q1 2025")[:2] == ["8", "7"]
    assert (
        client.get(
            reverse("reports:dashboard_caseworker", args=[other_team_caseworker.pk])
        ).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        client.get(reverse("reports:dashboard_unit", args=[world.unit.pk])).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.get(reverse("reports:dashboard_team", args=[world.team.pk])).status_code
        == HTTPStatus.FORBIDDEN
    )


def test_the_drill_down_lists_exactly_the_citizens_behind_a_number(
    client, team_leader, dash, world
):
    client.force_login(team_leader)
    english(client)
    page = client.get(
        reverse("reports:dashboard_team", args=[world.team.pk])
    ).content.decode()
    link = re.search(
        r'href="([^"]*citizens/\?[^"]*figure=class[^"]*category=progress[^"]*'
        r'quarter=2025-01-01[^"]*)"',
        page,
    )
    assert link, "the progress count of Q1 links to its citizens"
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    names = set(re.findall(r"Anna Mine\d|Bo Their\d", html))
    assert names == {c.name for c in dash["mine"][:4]}
    assert dash["mine"][0].cpr_masked in html
    assert dash["mine"][0].cpr_clear() not in html
    event = AuditEvent.objects.get(actor_id=team_leader.pk, action="dashboard.citizens")
    assert set(
        AuditEventCitizen.objects.filter(event_id=event.pk).values_list(
            "citizen_id", flat=True
        )
    ) == {c.pk for c in dash["mine"][:4]}


def test_a_class_within_a_mix_leads_to_exactly_its_citizens(
    client, team_leader, dash, world
):
    """Progression by mix: each class count of a mix is a link too."""
    client.force_login(team_leader)
    english(client)
    page = client.get(
        reverse("reports:dashboard_team", args=[world.team.pk]),
        {"quarter_from": Q1.isoformat(), "quarter_to": Q1.isoformat()},
    ).content.decode()
    link = re.search(
        r'href="([^"]*citizens/\?[^"]*figure=mixclass[^"]*'
        r'category=job_only.progress[^"]*)"',
        page,
    )
    assert link, "the progress count of job-directed alone links to its citizens"
    html = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert set(re.findall(r"Anna Mine\d|Bo Their\d", html)) == {
        c.name for c in dash["mine"][3:5]
    }
    assert "Job-directed alone, Progress" in html


def test_the_job_centre_drill_down_stays_within_the_leaders_teams(
    client, team_leader, dash, world
):
    client.force_login(team_leader)
    response = client.get(
        reverse("reports:dashboard_unit_citizens", args=[world.unit.pk]),
        {"figure": "done", "quarter": Q1.isoformat()},
    )
    names = set(re.findall(r"Anna Mine\d|Bo Their\d", response.content.decode()))
    assert names == {c.name for c in dash["mine"]}
    # the other team's citizens are not counted either: pages hold only whom the
    # leader may see (a count of the others would give empty rows and pages)
    assert response.context["page"].paginator.count == len(dash["mine"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"figure": "nonsense"},
        {"figure": "class", "category": "sideways"},
        {"figure": "done", "quarter": "2019-01-01"},
        {"figure": "done", "quarter": "yesterday"},
    ],
)
def test_a_bad_drill_down_lists_nobody(client, team_leader, dash, world, params):
    client.force_login(team_leader)
    response = client.get(
        reverse("reports:dashboard_team_citizens", args=[world.team.pk]), params
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'id="drill-error"' in html
    assert not re.search(r"Anna Mine\d", html)


def read_csv(response, *, delimiter):
    text = response.content.decode("utf-8")
    return list(
        csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter)
    )


def test_each_table_downloads_as_csv_in_both_dialects(client, team_leader, dash, world):
    DashboardCell.objects.filter(team=world.team, quarter=Q1).update(
        mix={"=HYPERLINK(1)": {"n": 7, "progress": 1, "standstill": 1, "regression": 1}}
    )
    client.force_login(team_leader)
    english(client)
    url = reverse("reports:dashboard_team", args=[world.team.pk])
    excel = client.get(url, {"format": "csv", "figure": "mix"})
    assert excel.status_code == HTTPStatus.OK
    assert excel["Content-Type"].startswith("text/csv")
    assert excel.content.startswith("\ufeff".encode())
    rows = read_csv(excel, delimiter=";")
    assert rows[0][0] == "Interventions before the round"
    formula = [r for r in rows if "HYPERLINK" in r[0]]
    assert formula[0][0] == "'=HYPERLINK(1)"
    assert formula[0][1] == "7"
    plain = client.get(url, {"format": "csv", "figure": "classes", "dialect": "plain"})
    assert not plain.content.startswith("\ufeff".encode())
    rows = read_csv(plain, delimiter=",")
    q1 = next(r for r in rows if r[0] == "Q1 2025")
    assert q1[1:5] == ["4", "2", "1", "7"]
    assert q1[5] == "57.1"
    excel = read_csv(
        client.get(url, {"format": "csv", "figure": "classes"}), delimiter=";"
    )
    assert next(r for r in excel if r[0] == "Q1 2025")[5] == "57,1"
    assert (
        AuditEvent.objects.filter(
            actor_id=team_leader.pk, action="dashboard.csv"
        ).count()
        == 3
    )


def test_the_csv_of_the_job_centre_keeps_small_cells_hidden(
    client, team_leader, dash, world
):
    client.force_login(team_leader)
    english(client)
    rows = read_csv(
        client.get(
            reverse("reports:dashboard_unit", args=[world.unit.pk]),
            {"format": "csv", "figure": "classes", "dialect": "plain"},
        ),
        delimiter=",",
    )
    assert next(r for r in rows if r[0] == "Q2 2025")[1:5] == ["<5", "<5", "0", "8"]


def test_anonymous_is_sent_to_log_in(client, dash, world):
    for url in (
        reverse("reports:dashboard"),
        reverse("reports:dashboard_team", args=[world.team.pk]),
        reverse("reports:dashboard_team_citizens", args=[world.team.pk]),
    ):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/login/")


def test_without_a_refresh_the_page_says_so_and_an_admin_may_request_one(
    client, municipal_admin, team_leader, world
):
    client.force_login(team_leader)
    english(client)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert 'id="no-figures"' in html
    assert "reports/dashboard/refresh/" not in html
    assert client.post(reverse("reports:dashboard_refresh")).status_code == 403
    assert not Job.objects.filter(kind=DASHBOARDS_JOB).exists()
    client.force_login(municipal_admin)
    english(client)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert 'id="no-figures"' in html
    assert reverse("reports:dashboard_refresh") in html
    response = client.post(reverse("reports:dashboard_refresh"))
    assert response.status_code == HTTPStatus.FOUND
    assert (
        Job.objects.filter(kind=DASHBOARDS_JOB, municipality=world.municipality).count()
        == 1
    )
    assert client.get(reverse("reports:dashboard_refresh")).status_code == 405


def bulk_cells(refresh, team, caseworker, target_group, rounds, citizen_ids):
    """Cells for `rounds` rounds over ten quarters, written in bulk."""
    quarters = [date(2023 + i // 4, 3 * (i % 4) + 1, 1) for i in range(10)]
    per = rounds // len(quarters)
    cells = DashboardCell.objects.bulk_create(
        DashboardCell(
            refresh=refresh,
            municipality_id=refresh.municipality_id,
            unit_id=team.unit_id,
            team=team,
            caseworker=caseworker,
            target_group=target_group,
            quarter=q,
            rounds_due=per,
            rounds_done=per,
            progress=per // 2,
            standstill=per - per // 2,
            p12_bins=[per] + [0] * 9,
            p12_sum=0.05 * per,
            p12_n=per,
        )
        for q in quarters
    )
    DashboardMember.objects.bulk_create(
        (
            DashboardMember(
                cell=cell, figure="done", category="", citizen_id=citizen_ids[i % 7]
            )
            for cell in cells
            for i in range(per)
        ),
        batch_size=5000,
    )


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "obj"),
    [
        ("reports:dashboard_team", "team"),
        ("reports:dashboard_team_citizens", "team"),
        ("reports:dashboard_unit", "unit"),
        ("reports:dashboard_unit_citizens", "unit"),
    ],
)
def test_queries_per_page_do_not_grow_with_the_rounds(
    client, team_leader, world, caseworker, groups, name, obj
):
    mine = [CitizenFactory(team=world.team, caseworker=caseworker) for _ in range(7)]
    ids = [c.pk for c in mine]
    model = active_model(municipality_id=world.municipality.pk)
    counts = []
    client.force_login(team_leader)
    url = reverse(name, args=[getattr(world, obj).pk]) + "?figure=done"
    for rounds in (100, 10_000):
        DashboardRefresh.objects.all().delete()
        refresh = DashboardRefresh.objects.create(
            municipality=world.municipality,
            model_version=model,
            computed_at=timezone.now(),
            rounds=rounds,
        )
        bulk_cells(refresh, world.team, caseworker, groups[0], rounds, ids)
        assert (
            sum(
                DashboardCell.objects.filter(refresh=refresh).values_list(
                    "rounds_done", flat=True
                )
            )
            == rounds
        )
        counts.append(queries(client, url))
    assert counts[0] == counts[1]


def test_the_team_page_links_its_leader_to_the_case_worker_comparison(
    client, team_leader, municipal_admin, dash, world
):
    url = reverse("reports:dashboard_team", args=[world.team.pk])
    client.force_login(team_leader)
    assert reverse("reports:comparison", args=[world.team.pk]) in (
        client.get(url).content.decode()
    )
    client.force_login(municipal_admin)
    assert 'id="comparison-link"' not in client.get(url).content.decode()


def test_a_leader_opens_their_case_workers_but_no_one_elses(
    client, team_leader, caseworker, other_team_caseworker, dash
):
    client.force_login(team_leader)
    english(client)
    response = client.get(reverse("reports:dashboard_caseworker", args=[caseworker.pk]))
    assert response.status_code == HTTPStatus.OK
    assert row(response.content.decode(), "rounds", "Q1 2025")[:2] == ["8", "7"]
    for name in (
        "reports:dashboard_caseworker",
        "reports:dashboard_caseworker_citizens",
    ):
        response = client.get(
            reverse(name, args=[other_team_caseworker.pk]), {"figure": "done"}
        )
        assert response.status_code == HTTPStatus.NOT_FOUND, name


def test_an_admin_picks_a_job_centre_and_sees_exact_counts(
    client, municipal_admin, dash, world
):
    client.force_login(municipal_admin)
    english(client)
    index = client.get(reverse("reports:dashboard")).content.decode()
    url = reverse("reports:dashboard_unit", args=[world.unit.pk])
    assert url in index
    html = client.get(url).content.decode()
    assert row(html, "classes", "Q1 2025")[:4] == ["9", "3", "2", "14"]
    assert AuditEvent.objects.filter(
        actor_id=municipal_admin.pk,
        action="dashboard.view",
        object_type="unit",
        object_id=str(world.unit.pk),
    ).exists()


def test_an_admin_moves_between_job_centres(client, municipal_admin, dash, world):
    from tests.factories import UnitFactory

    second = UnitFactory(municipality=world.municipality, name="Jobcenter Syd")
    client.force_login(municipal_admin)
    html = client.get(
        reverse("reports:dashboard_unit", args=[world.unit.pk])
    ).content.decode()
    assert reverse("reports:dashboard_unit", args=[second.pk]) in html
    assert 'aria-current="page"' in html


def test_the_admin_sees_when_waiting_saves_are_included_and_may_hasten_them(
    client, municipal_admin, dash, world, settings
):
    from bip.jobs.services import enqueue

    settings.BIP_DASHBOARDS_DELAY = 300
    client.force_login(municipal_admin)
    english(client)
    url = reverse("reports:dashboard_unit", args=[world.unit.pk])
    html = client.get(url).content.decode()
    assert "while rounds are being saved, at most every 5 minutes" in html
    due = timezone.now() + timedelta(minutes=4)
    waiting = enqueue(
        kind=DASHBOARDS_JOB, municipality_id=world.municipality.pk, not_before=due
    )
    html = client.get(url).content.decode()
    when = timezone.localtime(due).strftime("%H:%M")
    assert f"The latest saved rounds are included at about {when}." in html
    assert "data-job-url" not in html  # no progress bar for a refresh not yet due
    assert reverse("reports:dashboard_refresh") in html
    client.post(reverse("reports:dashboard_refresh"))
    waiting.refresh_from_db()
    assert waiting.not_before is None
    assert Job.objects.filter(kind=DASHBOARDS_JOB).count() == 1


def admin_unit_page(client, admin, world, jobs):
    """The job centre's page as the admin sees it, beside these refreshes: (state,
    minutes until due)."""
    for state, minutes in jobs:
        Job.objects.create(
            kind=DASHBOARDS_JOB,
            municipality=world.municipality,
            state=state,
            not_before=timezone.now() + timedelta(minutes=minutes),
            heartbeat_at=timezone.now(),
        )
    client.force_login(admin)
    english(client)
    url = reverse("reports:dashboard_unit", args=[world.unit.pk])
    return client.get(url).content.decode()


@pytest.mark.parametrize(
    ("state", "minutes"), [("running", 4), ("running", -1), ("pending", -1)]
)
def test_a_refresh_under_way_or_due_shows_its_progress_not_a_time(
    client, municipal_admin, dash, world, settings, state, minutes
):
    """Once its quiet period is over, or a worker has claimed it, a waiting refresh
    is shown as under way, and no second one can be asked for."""
    settings.BIP_DASHBOARDS_DELAY = 300
    html = admin_unit_page(client, municipal_admin, world, [(state, minutes)])
    assert "data-job-url" in html
    assert "are included at about" not in html
    assert 'action="' + reverse("reports:dashboard_refresh") not in html


def test_a_running_refresh_is_shown_before_one_waiting_beside_it(
    client, municipal_admin, dash, world, settings
):
    settings.BIP_DASHBOARDS_DELAY = 300
    html = admin_unit_page(  # the waiting one first
        client, municipal_admin, world, [("pending", 4), ("running", 0)]
    )
    assert "data-job-url" in html
    assert 'action="' + reverse("reports:dashboard_refresh") not in html

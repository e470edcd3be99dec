"""The reports' API (docs/api.md): export jobs (request, poll, download) and the
dashboards' aggregates, with the pages' scoping: a research integration has an
analyst's access (suppressed aggregates, its own pseudonymised exports), a
case-management integration none of it; every download audited."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from bip.accounts.models import Membership, Role
from bip.accounts.services import integration_create, token_issue
from bip.audit.models import AuditEvent, AuditEventCitizen
from bip.jobs.services import job_run
from reports.models import Export
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round
from tests.reports.dashboard_fixtures import Q2

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

EXPORTS = "/api/v1/exports/"


def token(municipality, admin, *, research=False, writes=False, name="Forskning"):
    account = integration_create(
        municipality_id=municipality.pk,
        name=name,
        writes=writes,
        research=research,
        unit=None,
        by=admin,
    )
    return token_issue(account=account, valid_days=30, by=admin)[1]


def auth(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def research(world, municipal_admin):
    return token(world.municipality, municipal_admin, research=True)


@pytest.fixture
def rounds(world, caseworker):
    citizen = CitizenFactory(
        team=world.team, caseworker=caseworker, name="Anna Østergård"
    )
    make_round(citizen, citizen.enrolments.get().start)
    return citizen


def post(client, headers=None, **data):
    body = {"layout": "wide", "format": "csv"}
    body.update(data)
    return client.post(
        EXPORTS, body, content_type="application/json", **(headers or {})
    )


# --- export jobs ---


def test_a_research_integration_requests_polls_and_downloads_an_export(
    client, research, rounds
):
    response = post(client, auth(research))
    assert response.status_code == HTTPStatus.CREATED, response.content
    body = response.json()
    export = Export.objects.get()
    assert body["id"] == export.pk
    assert (body["state"], body["pseudonymised"], body["download"]) == (
        "pending",
        True,
        None,
    )
    job_run(job_id=export.job_id)
    polled = client.get(f"{EXPORTS}{export.pk}/", **auth(research)).json()
    assert polled["state"] == "done"
    assert polled["rows"] == 1
    assert polled["download"].endswith(f"/api/v1/exports/{export.pk}/download/")
    for n in (1, 2):
        response = client.get(polled["download"], **auth(research))
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        assert "attachment" in response["Content-Disposition"]
        data = b"".join(response.streaming_content)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            text = b"".join(zf.read(name) for name in names)
        assert any(name.endswith(".csv") for name in names)
        assert "Østergård".encode() not in text  # pseudonymised: no names
        assert rounds.cpr_clear().replace("-", "").encode() not in text
        events = AuditEvent.objects.filter(action="export.download")
        assert events.count() == n
    assert not AuditEventCitizen.objects.filter(
        event_id__in=events.values("pk")
    ).exists()
    listed = client.get(EXPORTS, **auth(research)).json()
    assert [row["id"] for row in listed["results"]] == [export.pk]


def test_a_research_integration_never_gets_identified_data(client, research, rounds):
    response = post(
        client,
        auth(research),
        identified=True,
        purpose="casework",
        purpose_note="Opfølgning",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "identified" in response.json()
    assert Export.objects.count() == 0


def test_an_admin_session_requests_an_identified_export_with_a_purpose(
    client, municipal_admin, rounds
):
    client.force_login(municipal_admin)
    missing = post(client, identified=True)
    assert missing.status_code == HTTPStatus.BAD_REQUEST
    assert "purpose" in missing.json()
    assert Export.objects.count() == 0
    response = post(
        client, identified=True, purpose="casework", purpose_note="Opfølgning"
    )
    assert response.status_code == HTTPStatus.CREATED, response.content
    export = Export.objects.get()
    assert not export.pseudonymised
    job_run(job_id=export.job_id)
    download = client.get(f"{EXPORTS}{export.pk}/download/")
    assert download.status_code == HTTPStatus.OK
    b"".join(download.streaming_content)
    event = AuditEvent.objects.get(action="export.download")
    assert event.purpose == "casework"
    assert list(
        AuditEventCitizen.objects.filter(event_id=event.pk).values_list(
            "citizen_id", flat=True
        )
    ) == [rounds.pk]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"layout": "everything"}, "layout"),
        ({"format": "pdf"}, "format"),
        ({"period_from": "2025-05-01", "period_to": "2025-01-01"}, "period_to"),
        ({"units": [999999]}, "units"),
        ({"target_groups": [999999]}, "target_groups"),
        ({"units": "x"}, "units"),
        ({"purpose": "curiosity"}, "purpose"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    client, research, rounds, data, field
):
    response = post(client, auth(research), **data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()
    assert Export.objects.count() == 0


def test_a_case_management_integration_and_a_case_worker_may_not_export(
    client, world, municipal_admin, caseworker, rounds
):
    for writes in (False, True):
        secret = token(
            world.municipality, municipal_admin, writes=writes, name=f"Fag {writes}"
        )
        assert client.get(EXPORTS, **auth(secret)).status_code == HTTPStatus.FORBIDDEN
        assert post(client, auth(secret)).status_code == HTTPStatus.FORBIDDEN
    client.force_login(caseworker)
    assert client.get(EXPORTS).status_code == HTTPStatus.FORBIDDEN
    assert post(client).status_code == HTTPStatus.FORBIDDEN
    assert Export.objects.count() == 0


def test_anonymous_gets_401(client):
    assert client.get(EXPORTS).status_code in (401, 403)
    assert post(client).status_code in (401, 403)
    assert Export.objects.count() == 0


def test_other_exports_look_like_missing_ones(
    client, world, research, analyst, municipal_admin, other_municipality_admin, rounds
):
    """Another municipality's research token, and this municipality's research token
    for an analyst's export: 404 with the body of an id that does not exist."""
    post(client, auth(research))
    client.force_login(analyst)
    post(client)
    client.logout()
    theirs = Export.objects.get(requested_by__username="analyst")
    mine = Export.objects.exclude(pk=theirs.pk).get()
    for export in (mine, theirs):
        job_run(job_id=export.job_id)
    foreign = token(world.other_municipality, other_municipality_admin, research=True)
    missing = client.get(f"{EXPORTS}999999/", **auth(foreign))
    assert missing.status_code == HTTPStatus.NOT_FOUND
    for secret, export in ((foreign, mine), (foreign, theirs), (research, theirs)):
        for suffix in ("", "download/"):
            response = client.get(f"{EXPORTS}{export.pk}/{suffix}", **auth(secret))
            assert response.status_code == HTTPStatus.NOT_FOUND
            assert response.json() == missing.json()
    assert client.get(EXPORTS, **auth(foreign)).json()["results"] == []
    assert not AuditEvent.objects.filter(action="export.download").exists()


def test_an_unfinished_export_is_409_and_an_expired_one_410(client, research, rounds):
    post(client, auth(research))
    export = Export.objects.get()
    url = f"{EXPORTS}{export.pk}/download/"
    response = client.get(url, **auth(research))
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["detail"]
    job_run(job_id=export.job_id)
    Export.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - timedelta(days=1), expired_at=timezone.now()
    )
    response = client.get(url, **auth(research))
    assert response.status_code == HTTPStatus.GONE
    assert not AuditEvent.objects.filter(action="export.download").exists()


def test_a_research_integration_holds_no_person_level_access(
    client, world, research, rounds
):
    membership = Membership.objects.get(role=Role.INTEGRATION_RESEARCH)
    assert membership.municipality_id == world.municipality.pk
    for path in ("citizens", "rounds", "scores", "outcomes", "enrolments"):
        response = client.get(f"/api/v1/{path}/", **auth(research))
        assert response.status_code == HTTPStatus.FORBIDDEN, path
    response = client.get(f"/api/v1/citizens/{rounds.pk}/", **auth(research))
    assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    body = {"cpr": "0101901234", "name": "X"}
    response = client.post(
        "/api/v1/citizens/", body, content_type="application/json", **auth(research)
    )
    assert response.status_code == HTTPStatus.FORBIDDEN


# --- dashboards ---


def figure(body, key):
    return next(f for f in body["figures"] if f["key"] == key)


def texts(fig, i):
    return [c["text"] for c in fig["rows"][i]["cells"]]


def test_a_research_integration_reads_suppressed_aggregates(
    client, world, research, dash, caseworker
):
    response = client.get(
        f"/api/v1/dashboards/units/{world.unit.pk}/", **auth(research)
    )
    assert response.status_code == HTTPStatus.OK, response.content
    body = response.json()
    assert body["suppressed"] is True
    assert body["name"] == "Jobcenter Nord"
    # the page's numbers: Q1 of the job centre 9 progress, 3 and 2 hidden, 14 in all
    assert texts(figure(body, "classes"), 0)[:4] == ["9", "<5", "<5", "14"]
    hidden = figure(body, "classes")["rows"][0]["cells"][1]
    assert hidden["value"] is None
    text = response.content.decode()
    for citizen in dash["mine"] + dash["theirs"]:
        assert citizen.name not in text
    assert AuditEvent.objects.filter(
        action="dashboard.view", object_type="unit", object_id=str(world.unit.pk)
    ).exists()
    team = client.get(f"/api/v1/dashboards/teams/{world.team.pk}/", **auth(research))
    assert team.status_code == HTTPStatus.OK
    assert team.json()["suppressed"] is True
    person = client.get(
        f"/api/v1/dashboards/caseworkers/{caseworker.pk}/", **auth(research)
    )
    assert person.status_code == HTTPStatus.NOT_FOUND
    index = client.get("/api/v1/dashboards/", **auth(research)).json()
    assert [u["id"] for u in index["units"]] == [world.unit.pk]
    assert {t["id"] for t in index["teams"]} == {world.team.pk, world.other_team.pk}


def test_a_team_leader_reads_the_job_centre_and_their_team(
    client, world, team_leader, dash
):
    client.force_login(team_leader)
    unit = client.get(f"/api/v1/dashboards/units/{world.unit.pk}/").json()
    assert unit["suppressed"] is True
    assert texts(figure(unit, "classes"), 0)[:4] == ["9", "<5", "<5", "14"]
    parts = {p["id"]: p for p in unit["parts"]}
    assert parts[world.team.pk]["rounds_due"]["value"] == 16
    team = client.get(f"/api/v1/dashboards/teams/{world.team.pk}/").json()
    assert team["suppressed"] is False
    assert texts(figure(team, "classes"), 0)[:4] == ["4", "2", "1", "7"]
    other = client.get(f"/api/v1/dashboards/teams/{world.other_team.pk}/")
    assert other.status_code == HTTPStatus.NOT_FOUND
    assert AuditEvent.objects.filter(
        actor_id=team_leader.pk, action="access.denied", object_type="team"
    ).exists()


def test_the_filters_choose_quarters_and_target_group(
    client, world, team_leader, dash, groups
):
    client.force_login(team_leader)
    body = client.get(
        f"/api/v1/dashboards/teams/{world.team.pk}/",
        {
            "quarter_from": Q2.isoformat(),
            "quarter_to": Q2.isoformat(),
            "target_group": groups[1].pk,
        },
    ).json()
    assert body["quarters"] == [Q2.isoformat()]
    assert body["target_group"] == groups[1].pk
    rounds = figure(body, "rounds")
    assert len(rounds["rows"]) == 1
    assert texts(rounds, 0)[:2] == ["2", "2"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"quarter_from": "2025-04-01", "quarter_to": "2025-01-01"}, "quarter_to"),
        ({"quarter_from": "2031-13-01"}, "quarter_from"),
        ({"quarter_from": "2019-01-01"}, "quarter_from"),
        ({"target_group": "x"}, "target_group"),
        ({"target_group": "999999"}, "target_group"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(
    client, world, team_leader, dash, params, field
):
    client.force_login(team_leader)
    response = client.get(f"/api/v1/dashboards/teams/{world.team.pk}/", params)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()


def test_a_case_management_integration_reads_no_dashboards(
    client, world, municipal_admin, dash
):
    secret = token(world.municipality, municipal_admin, name="Fagsystem")
    for url in ("/api/v1/dashboards/", f"/api/v1/dashboards/units/{world.unit.pk}/"):
        assert client.get(url, **auth(secret)).status_code == HTTPStatus.FORBIDDEN


def test_a_case_worker_reads_their_own_figures_only(
    client, world, caseworker, other_team_caseworker, dash
):
    client.force_login(caseworker)
    own = client.get(f"/api/v1/dashboards/caseworkers/{caseworker.pk}/")
    assert own.status_code == HTTPStatus.OK
    assert texts(figure(own.json(), "rounds"), 0)[:2] == ["8", "7"]
    other = client.get(f"/api/v1/dashboards/caseworkers/{other_team_caseworker.pk}/")
    assert other.status_code == HTTPStatus.NOT_FOUND
    unit = client.get(f"/api/v1/dashboards/units/{world.unit.pk}/")
    assert unit.status_code == HTTPStatus.FORBIDDEN

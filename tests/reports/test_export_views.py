"""The Exports page: who may request what, the job page, downloads scoped, audited
and never cached (docs/exports.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from bip.audit.models import AuditEvent, AuditEventCitizen
from bip.jobs.services import job_run
from reports.exports.services import exports_expire, monthly_exports
from reports.models import Export
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round
from tests.reports.export_helpers import run_export

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]
URL = reverse("reports:exports")


@pytest.fixture
def rounds(world, caseworker):
    citizen = CitizenFactory(
        team=world.team, caseworker=caseworker, name="Anna Østergård"
    )
    make_round(citizen, citizen.enrolments.get().start)
    return citizen


def post(client, **data):
    body = {"layout": "wide", "format": "csv", "csv_semicolon": "on", "csv_bom": "on"}
    body.update(data)
    return client.post(URL, body)


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["caseworker", "team_leader", "system_admin"])
def test_roles_without_statistics_get_403(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert post(client).status_code == 403
    assert Export.objects.count() == 0


def test_analyst_requests_a_pseudonymised_export(client, analyst, rounds):
    client.force_login(analyst)
    page = client.get(URL)
    assert page.status_code == 200
    assert b'name="identified"' not in page.content  # not offered
    response = post(client)
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_detail", args=[export.pk])
    assert export.pseudonymised
    assert export.requested_by == analyst
    assert export.job.kind == "reports.export"
    assert (
        AuditEvent.objects.using("default")
        .filter(action="export.request", object_id=str(export.pk))
        .exists()
    )


def test_analyst_cannot_request_an_identified_export(client, analyst, rounds):
    client.force_login(analyst)
    response = post(client, identified="on", purpose="casework", purpose_note="x")
    assert response.status_code == 400
    assert "Kun en kommunal administrator" in response.content.decode()
    assert Export.objects.count() == 0


def test_identified_export_needs_a_purpose(client, municipal_admin, rounds):
    client.force_login(municipal_admin)
    response = post(client, identified="on")
    assert response.status_code == 400
    assert Export.objects.count() == 0
    response = post(
        client, identified="on", purpose="administration", purpose_note="  "
    )
    assert response.status_code == 400
    assert Export.objects.count() == 0
    response = post(
        client, identified="on", purpose="administration", purpose_note="Afstemning"
    )
    assert response.status_code == 302
    export = Export.objects.get()
    assert not export.pseudonymised
    assert (export.purpose, export.purpose_note) == ("administration", "Afstemning")
    event = AuditEvent.objects.using("default").get(action="export.request")
    assert event.purpose == "administration"


def test_bad_input_is_a_form_error(client, analyst, rounds):
    client.force_login(analyst)
    assert post(client, layout="everything").status_code == 400
    assert (
        post(client, period_from="2025-05-01", period_to="2025-01-01").status_code
        == 400
    )
    assert post(client, units=["999999"]).status_code == 400
    assert Export.objects.count() == 0


def test_job_page_shows_progress_then_the_download(client, analyst, world, rounds):
    client.force_login(analyst)
    post(client)
    export = Export.objects.get()
    page = client.get(reverse("reports:export_detail", args=[export.pk]))
    assert b"data-job-url" in page.content
    assert b"js/job-progress.js" in page.content
    status = client.get(reverse("jobs:status", args=[export.job_id])).json()
    assert status["state"] == "pending"
    job_run(job_id=export.job_id)
    status = client.get(reverse("jobs:status", args=[export.job_id])).json()
    download = reverse("reports:export_download", args=[export.pk])
    assert (status["state"], status["result_url"]) == ("done", download)
    page = client.get(reverse("reports:export_detail", args=[export.pk]))
    assert download.encode() in page.content


def test_download_is_audited_every_time_and_not_cached(client, analyst, world, rounds):
    export = run_export(analyst, world.municipality.pk, layout="wide", format="csv")
    client.force_login(analyst)
    url = reverse("reports:export_download", args=[export.pk])
    for n in (1, 2):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "attachment" in response["Content-Disposition"]
        b"".join(response.streaming_content)
        events = AuditEvent.objects.filter(
            action="export.download", object_id=str(export.pk)
        )
        assert events.count() == n
    ids = list(events.values_list("pk", flat=True))
    assert not AuditEventCitizen.objects.filter(event_id__in=ids).exists()


def test_identified_download_is_a_read_of_the_citizens(
    client, municipal_admin, world, rounds
):
    export = run_export(
        municipal_admin,
        world.municipality.pk,
        layout="wide",
        format="csv",
        pseudonymised=False,
        purpose="casework",
        purpose_note="Opfølgning",
    )
    client.force_login(municipal_admin)
    response = client.get(reverse("reports:export_download", args=[export.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="export.download")
    assert event.purpose == "casework"
    assert list(
        AuditEventCitizen.objects.filter(event_id=event.pk).values_list(
            "citizen_id", flat=True
        )
    ) == [rounds.pk]


def test_another_municipality_or_analyst_gets_404(
    client, municipal_admin, analyst, other_municipality_admin, world, rounds
):
    export = run_export(
        municipal_admin,
        world.municipality.pk,
        layout="wide",
        format="csv",
        pseudonymised=False,
        purpose="casework",
        purpose_note="x",
    )
    own_pseudo = run_export(
        municipal_admin, world.municipality.pk, layout="wide", format="csv"
    )
    for user in (other_municipality_admin, analyst):
        client.force_login(user)
        for e in (export, own_pseudo):
            for name in ("reports:export_detail", "reports:export_download"):
                assert client.get(reverse(name, args=[e.pk])).status_code == 404
            assert (
                client.get(reverse("jobs:status", args=[e.job_id])).status_code == 404
            )
        assert b"export_download" not in client.get(URL).content
    assert not AuditEvent.objects.filter(action="export.download").exists()
    assert (
        AuditEvent.objects.filter(action="access.denied", object_type="export").count()
        == 8
    )


def test_admin_sees_the_municipalitys_exports(
    client, municipal_admin, analyst, world, rounds
):
    mine = run_export(analyst, world.municipality.pk, layout="outcomes", format="csv")
    client.force_login(municipal_admin)
    page = client.get(URL)
    assert reverse("reports:export_download", args=[mine.pk]).encode() in page.content
    assert (
        client.get(reverse("reports:export_download", args=[mine.pk])).status_code
        == 200
    )


def test_expired_export_cannot_be_downloaded(client, analyst, world, rounds):
    export = run_export(analyst, world.municipality.pk, layout="wide", format="csv")
    exports_expire(now=export.expires_at)
    client.force_login(analyst)
    assert (
        client.get(reverse("reports:export_download", args=[export.pk])).status_code
        == 404
    )


def test_monthly_export_with_a_notice_for_admins(
    client, municipal_admin, analyst, world, rounds
):
    start = rounds.enrolments.get().start
    today = date(start.year + (start.month == 12), start.month % 12 + 1, 3)
    assert monthly_exports(today=today) == 2  # both municipalities
    assert monthly_exports(today=today) == 0  # once a month
    export = Export.objects.get(municipality=world.municipality)
    assert (export.layout, export.format, export.pseudonymised, export.scheduled) == (
        "wide",
        "csv",
        True,
        True,
    )
    assert (export.period_from, export.period_to) == (
        start.replace(day=1),
        today.replace(day=1) - timedelta(days=1),
    )
    job_run(job_id=export.job_id)
    export.refresh_from_db()
    assert export.rows == 1
    client.force_login(analyst)
    assert (
        reverse("reports:export_download", args=[export.pk]).encode()
        not in client.get(URL).content
    )
    client.force_login(municipal_admin)
    first = client.get(URL).content.decode()
    assert "Et nyt månedligt udtræk er klar." in first
    second = client.get(URL).content.decode()  # seen: the notice is gone
    assert "månedligt udtræk er klar" not in second
    assert reverse("reports:export_download", args=[export.pk]) in second


def test_the_service_refuses_an_analysts_identified_export(analyst, world):
    from django.core.exceptions import ValidationError

    from reports.exports.services import export_request

    with pytest.raises(ValidationError):
        export_request(
            by=analyst,
            municipality_id=world.municipality.pk,
            layout="wide",
            format="csv",
            pseudonymised=False,
            purpose="casework",
            purpose_note="x",
        )
    assert Export.objects.count() == 0

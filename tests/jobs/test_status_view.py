from __future__ import annotations

from http import HTTPStatus

import pytest

from bip.audit.models import AuditEvent
from bip.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_requester_sees_progress(client, municipal_admin, world):
    job = Job.objects.create(
        kind="jobs.probe",
        requested_by=municipal_admin,
        municipality=world.municipality,
        state=Job.State.RUNNING,
        progress=2,
        total=3,
    )
    client.force_login(municipal_admin)
    r = client.get(f"/jobs/{job.pk}/status/")
    assert r.status_code == HTTPStatus.OK
    assert r.json()["progress"] == 2
    assert r.json()["total"] == 3
    assert r.json()["state"] == "running"


def test_other_users_job_is_404_and_logged(
    client, caseworker, other_municipality_admin, world
):
    job = Job.objects.create(
        kind="jobs.probe", requested_by=caseworker, municipality=world.municipality
    )
    client.force_login(other_municipality_admin)
    r = client.get(f"/jobs/{job.pk}/status/")
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert AuditEvent.objects.filter(
        action="access.denied", object_type="job", object_id=str(job.pk)
    ).exists()


def test_anonymous_is_sent_to_login(client):
    r = client.get("/jobs/1/status/")
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"].startswith("/login/")

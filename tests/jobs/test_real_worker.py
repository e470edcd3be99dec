"""A real Celery worker process against Redis runs a job to completion, and the
progress endpoint reports it (DESIGN sections 4 and 7)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import transaction

from bip.celery import app as celery_app
from bip.jobs import services
from bip.jobs.models import Job
from tests.jobs.workers import Worker, flush_broker, wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(tmp_path):
    flush_broker()
    w = Worker(tmp_path)
    celery_app.conf.task_always_eager = False
    yield w.proc
    celery_app.conf.task_always_eager = True
    w.stop()


def test_real_worker_runs_probe_job(worker, client, system_admin, settings):
    with transaction.atomic():
        job = services.enqueue(kind="jobs.probe", requested_by=system_admin, total=3)
    wait_until(
        lambda: Job.objects.get(pk=job.pk).state in (Job.State.DONE, Job.State.FAILED),
        timeout=60,
        what="the worker to finish the job",
    )
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert job.result == {"steps": ["database", "storage", "heartbeat"]}
    client.force_login(system_admin)
    r = client.get(f"/jobs/{job.pk}/status/")
    assert r.status_code == HTTPStatus.OK
    assert (r.json()["state"], r.json()["progress"], r.json()["total"]) == (
        "done",
        3,
        3,
    )
    assert worker.poll() is None, "the worker process stayed up"


def test_healthz_shows_a_killed_worker_as_down(tmp_path, client, settings):
    """The worker process writes its own heartbeat; after a SIGKILL /healthz says
    "down" once three beats are missed (short intervals here, 15 s by default)."""
    from django.utils import timezone

    from bip.jobs.models import Heartbeat

    beat = 0.5
    settings.BIP_HEARTBEAT_SECONDS = beat
    settings.BIP_WORKER_DOWN_AFTER = 3 * beat
    flush_broker()
    Heartbeat.objects.filter(name="worker").delete()
    worker = Worker(tmp_path, "beating", BIP_HEARTBEAT_SECONDS=str(beat))
    try:
        wait_until(
            lambda: client.get("/healthz").json()["worker"] == "ok",
            timeout=60,
            what="the worker's first heartbeat",
        )
        first = Heartbeat.objects.get(name="worker").at
        wait_until(
            lambda: Heartbeat.objects.get(name="worker").at > first,
            timeout=10,
            what="a second heartbeat",
        )
        worker.kill()
        killed = timezone.now()
        wait_until(
            lambda: client.get("/healthz").json()["worker"] == "down",
            timeout=30,
            what="/healthz to show the killed worker",
        )
        assert (timezone.now() - killed).total_seconds() < 3 * beat + 2
    finally:
        worker.stop()

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

"""A real Celery worker process against Redis runs a job to completion, and the
progress endpoint reports it (DESIGN sections 4 and 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http import HTTPStatus

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from bip.celery import app as celery_app
from bip.jobs import services
from bip.jobs.models import Job

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        threading.Event().wait(0.2)  # polling with a deadline, not a fixed wait
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker(tmp_path):
    broker = settings.CELERY_BROKER_URL  # the test settings' own Redis database
    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bip.settings_test",
        "BIP_TEST_EAGER": "0",
        "BIP_TEST_DB_NAME": connection.settings_dict["NAME"],
        "BIP_TEST_MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bip",
            "worker",
            "--pool",
            "solo",
            "-l",
            "info",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    celery_app.conf.task_always_eager = False
    yield proc
    celery_app.conf.task_always_eager = True
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    log.close()
    print((tmp_path / "worker.log").read_text()[-3000:])


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

"""The demo's in-process runner: pending jobs run; a job left running by a restarted
web process is taken over once its heartbeat is stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bip.jobs.inprocess import run_once
from bip.jobs.models import Heartbeat, Job

pytestmark = pytest.mark.django_db


def test_pending_job_runs_and_heartbeats_are_written():
    job = Job.objects.create(kind="jobs.probe", total=3)
    assert run_once(periodic=True) == 1
    job.refresh_from_db()
    assert (job.state, job.progress) == ("done", 3)
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"worker", "beat"}
    assert run_once(periodic=False) == 0


def test_stale_running_job_is_taken_over_fresh_one_is_not():
    fresh = Job.objects.create(
        kind="jobs.probe", state="running", attempts=1, heartbeat_at=timezone.now()
    )
    stale = Job.objects.create(
        kind="jobs.probe",
        state="running",
        attempts=1,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    run_once(periodic=False)
    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert fresh.state == "running"
    assert (stale.state, stale.takeovers, stale.attempts) == ("done", 1, 2)


def test_every_beat_entry_resolves_in_a_fresh_web_process():
    """A web process never starts a worker, so no task module is imported yet: the
    in-process runner must still find the task of every beat entry."""
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup();"
        "from django.conf import settings;"
        "from bip.jobs.inprocess import beat_tasks;"
        "tasks = beat_tasks();"
        "assert set(tasks) == set(settings.CELERY_BEAT_SCHEDULE), tasks;"
        "print(sorted(t.name for t in tasks.values()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bip.settings_test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "measurements.tasks.scores_sweep" in done.stdout

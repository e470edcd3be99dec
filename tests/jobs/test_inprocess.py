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

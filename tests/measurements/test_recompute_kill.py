"""A worker killed in the middle of a recompute loses nothing (DESIGN section 4): a
real worker process against Redis and PostgreSQL scores the first chunk, then waits on
an advisory lock this test holds. While it waits its heartbeat stays fresh (the sweeper
leaves it alone for several stale periods); the test kills its process group, the
heartbeat goes stale within a few seconds (short intervals), the sweeper hands the job
on, and a new worker takes it over from its checkpoint. Every round ends with exactly
one current score of the active model, and the first chunk is not written twice."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from bip.celery import app as celery_app
from bip.jobs.models import Job
from bip.jobs.services import jobs_sweep
from measurements.models import Round, Score
from measurements.scoring.recompute import scores_request
from measurements.scoring.versions import active_model
from tests.jobs.workers import Worker, flush_broker, wait_until
from tests.measurements.helpers import bulk_spells

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
HOLD_KEY = 7_102_913
# short intervals, the same in the workers and in this process (the sweeper)
HEARTBEAT, STALE = 0.5, 3.0
INTERVALS = {"BIP_HEARTBEAT_SECONDS": str(HEARTBEAT), "BIP_JOB_STALE_AFTER": str(STALE)}


def waiting_on_hold() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND NOT granted AND classid = 0 AND objid = %s",
            [HOLD_KEY],
        )
        return cursor.fetchone()[0] == 1


def test_worker_killed_mid_recompute_loses_nothing(
    tmp_path, world, caseworker, settings
):
    settings.BIP_HEARTBEAT_SECONDS, settings.BIP_JOB_STALE_AFTER = HEARTBEAT, STALE
    bulk_spells(world.team, caseworker, spells=200)  # 1,000 rounds: 4 chunks of 250
    flush_broker()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [HOLD_KEY])
    first = Worker(
        tmp_path,
        "first",
        BIP_TEST_HOLD_LOCK=str(HOLD_KEY),
        BIP_SCORES_CHUNK_ROUNDS="250",
        **INTERVALS,
    )
    second = None
    celery_app.conf.task_always_eager = False
    try:
        with transaction.atomic():
            job = scores_request(municipality_id=world.municipality.pk, trigger="test")
        wait_until(
            lambda: Job.objects.get(pk=job.pk).progress == 250 and waiting_on_hold(),
            timeout=90,
            what="the first worker to finish one chunk and wait",
        )
        # provably mid-way: one chunk written and committed, three to go
        job.refresh_from_db()
        assert (job.state, job.progress, job.total, job.attempts) == (
            "running",
            250,
            1000,
            1,
        )
        assert Score.objects.count() == 250
        # alive but busy for longer than the stale limit: its heartbeat keeps the job
        waiting_since = time.monotonic()
        beats = 0
        while time.monotonic() - waiting_since < 2 * STALE:
            last = Job.objects.get(pk=job.pk).heartbeat_at
            wait_until(
                lambda last=last: Job.objects.get(pk=job.pk).heartbeat_at > last,
                timeout=30,
                what="the busy worker's heartbeat",
            )
            beats += 1
            assert jobs_sweep()["requeued"] == 0
        assert beats >= 2
        assert Job.objects.get(pk=job.pk).attempts == 1

        second = Worker(tmp_path, "second", BIP_SCORES_CHUNK_ROUNDS="250", **INTERVALS)
        first.kill()
        killed = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [HOLD_KEY])
        killed_at = timezone.now()

        # the dead worker's heartbeat goes stale by itself; the sweeper re-sends
        wait_until(
            lambda: jobs_sweep()["requeued"] == 1,
            timeout=30,
            what="the sweeper to hand on the dead worker's job",
        )
        handed_on_after = time.monotonic() - killed
        assert handed_on_after < 2 * STALE + 1, handed_on_after
        wait_until(
            lambda: Job.objects.get(pk=job.pk).state in ("done", "failed"),
            timeout=90,
            what="the second worker to finish the job",
        )
    finally:
        celery_app.conf.task_always_eager = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        if first.proc.poll() is None:
            first.kill()
        first.stop()
        if second is not None:
            second.stop()
        flush_broker()

    job.refresh_from_db()
    assert job.state == "done", job.error
    assert (job.progress, job.takeovers, job.attempts) == (1000, 1, 2)
    model = active_model(municipality_id=world.municipality.pk)
    current = Score.objects.filter(model_version=model, superseded_at__isnull=True)
    per_round = current.values("round_id").annotate(n=Count("pk"))
    assert {row["n"] for row in per_round} == {1}
    assert current.count() == Round.objects.filter(state="complete").count() == 1000
    # nothing was written twice: the first chunk's scores are the ones from before
    assert Score.objects.count() == 1000
    assert Score.objects.filter(computed_at__lt=killed_at).count() == 250

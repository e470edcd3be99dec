"""Heartbeats (DESIGN section 4): a live worker's long chunk keeps its job's heartbeat
fresh and is never taken over; a job whose worker stopped beating is taken over once
its heartbeat is stale; /healthz shows a silent worker as down. Short intervals and
polling with a deadline: no fixed waits."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from bip.jobs import registry, services
from bip.jobs.models import Heartbeat, Job
from tests.jobs.workers import wait_until

HEARTBEAT = 0.1
STALE = 0.5


@pytest.fixture
def short_intervals(settings):
    settings.BIP_HEARTBEAT_SECONDS = HEARTBEAT
    settings.BIP_JOB_STALE_AFTER = STALE


@pytest.fixture
def long_chunk_kind():
    """A job whose one chunk runs until the test releases it."""
    started, release = threading.Event(), threading.Event()

    def handler(claim):
        started.set()
        if not release.wait(timeout=60):
            raise RuntimeError("never released")

    registry.register("tests.long_chunk", handler)
    return started, release


def heartbeat_of(job_id: int):
    return Job.objects.values_list("heartbeat_at", flat=True).get(pk=job_id)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_workers_long_chunk_is_never_taken_over(
    short_intervals, long_chunk_kind
):
    started, release = long_chunk_kind
    job = Job.objects.create(kind="tests.long_chunk")

    def worker():
        try:
            services.job_run(job_id=job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert started.wait(timeout=30)
        claimed_at = time.monotonic()
        seen = heartbeat_of(job.pk)
        for _ in range(8):
            previous = seen
            seen = wait_until(
                lambda previous=previous: (
                    (hb := heartbeat_of(job.pk)) > previous and hb
                ),
                timeout=10,
                what="the running job's heartbeat to be renewed",
            )
            assert services.claim(job_id=job.pk) is None
            assert services.jobs_sweep()["requeued"] == 0
        # longer than the stale limit since the claim: only the heartbeats saved it
        assert time.monotonic() - claimed_at > STALE
    finally:
        release.set()
        thread.join(timeout=30)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.takeovers) == ("done", 1, 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_whose_worker_stopped_beating_is_taken_over(short_intervals):
    job = Job.objects.create(kind="jobs.probe")
    dead = services.claim(job_id=job.pk)  # a worker claimed it, then died: no beats
    assert dead is not None
    claimed_at = time.monotonic()
    assert services.claim(job_id=job.pk) is None  # fresh: not yet
    taken = wait_until(
        lambda: services.claim(job_id=job.pk),
        timeout=10,
        what="the silent worker's job to go stale",
    )
    assert time.monotonic() - claimed_at >= STALE * 0.9
    assert taken.token == dead.token + 1
    with pytest.raises(services.StaleClaim):
        dead.advance(progress=1)  # the fencing token stays the guard
    job.refresh_from_db()
    assert (job.attempts, job.takeovers) == (2, 1)


@pytest.mark.django_db
def test_a_taken_over_claim_stops_beating():
    job = Job.objects.create(kind="jobs.probe")
    first = services.claim(job_id=job.pk)
    services.claim(job_id=job.pk, now=timezone.now() + timedelta(hours=1))
    before = heartbeat_of(job.pk)
    assert first.beat() is False
    assert heartbeat_of(job.pk) == before  # the old claim wrote nothing


@pytest.mark.django_db
def test_healthz_shows_a_silent_worker_as_down(client):
    Heartbeat.objects.create(name="worker", at=timezone.now())
    Heartbeat.objects.create(name="beat", at=timezone.now())
    assert client.get("/healthz").json()["worker"] == "ok"
    limit = django_settings.BIP_WORKER_DOWN_AFTER
    with time_machine.travel(timezone.now() + timedelta(seconds=limit - 1)):
        assert client.get("/healthz").json()["worker"] == "ok"
    with time_machine.travel(timezone.now() + timedelta(seconds=limit + 1)):
        r = client.get("/healthz")
    assert r.status_code == 200  # liveness of the web is not the worker's
    body = r.json()
    assert body["worker"] == "down"
    assert "worker_last_seen" in body
    assert body["beat"] == "ok"


def test_default_intervals_meet_the_promises():
    """A dead worker shows on /healthz within 60 s, and its job moves on within about
    two minutes: stale limit, plus a sweep interval, plus one heartbeat of slack."""
    beat = django_settings.BIP_HEARTBEAT_SECONDS
    stale = django_settings.BIP_JOB_STALE_AFTER
    sweep = django_settings.CELERY_BEAT_SCHEDULE["jobs-sweep"]["schedule"]
    assert beat <= 20
    assert django_settings.BIP_WORKER_DOWN_AFTER + beat <= 60
    assert stale >= 3 * beat  # never a live worker's job
    assert stale + sweep + beat <= 120


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_heartbeat_thread_beats_on_its_own(short_intervals):
    """The thread a worker (and the demo's in-process runner) starts beside its work:
    beats keep coming while nothing else happens, and stop when told."""
    stop = services.worker_heartbeat_start(detail="in-process")
    try:
        first = wait_until(
            lambda: Heartbeat.objects.filter(name="worker").first(),
            timeout=10,
            what="the first worker heartbeat",
        )
        wait_until(
            lambda: Heartbeat.objects.get(name="worker").at > first.at,
            timeout=10,
            what="a second worker heartbeat",
        )
        assert Heartbeat.objects.get(name="worker").detail == "in-process"
    finally:
        stop.set()
        for thread in threading.enumerate():  # no late beat after the flush
            if thread.name == "bip-worker-heartbeat":
                thread.join(timeout=10)

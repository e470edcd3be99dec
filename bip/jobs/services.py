"""Durable jobs (DESIGN section 4): enqueue at commit, claim with a fencing token,
checkpoint per chunk, a sweeper for pending and stale jobs."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

from bip import db
from bip.celery import app as celery_app
from bip.exceptions import TRANSIENT
from bip.jobs import registry
from bip.jobs.models import Heartbeat, Job

logger = logging.getLogger(__name__)
# the task that runs a job, looked up in the Celery app by name (the tasks module
# imports this one, not the other way round)
JOB_TASK = "bip.jobs.tasks.job_run"


class StaleClaim(Exception):
    """Another worker took the job over: stop without writing."""


def _task(name: str) -> Any:
    """A task by name. A web process has not imported the apps' task modules (only a
    worker does at start): the first send imports them as the worker would."""
    if name not in celery_app.tasks:
        celery_app.loader.import_default_modules()
    return celery_app.tasks[name]


def _send(job_id: int) -> None:
    if settings.BIP_JOBS_IN_PROCESS:
        return  # the in-process runner polls the table
    try:
        _task(JOB_TASK).apply_async(args=[job_id], retry=False)
    except Exception:  # broker down: the row stays pending for the sweeper
        logger.warning("could not enqueue job %s; the sweeper will retry", job_id)


def enqueue(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    municipality_id: int | None = None,
    requested_by: Any = None,
    total: int | None = None,
    not_before: datetime | None = None,
) -> Job:
    """Create the job row in the caller's transaction; send it after commit. A job
    with a quiet period is sent by the sweeper once the period has passed."""
    registry.handler_for(kind)  # an unknown kind is a programming error: fail now
    job = Job.objects.create(
        kind=kind,
        params=params or {},
        municipality_id=municipality_id,
        requested_by=requested_by,
        total=total,
        not_before=not_before,
    )
    if not_before is None:
        transaction.on_commit(lambda: _send(job.pk), robust=True)
    return job


def hasten(job: Job) -> None:
    """A pending job waiting out its quiet period: due now, sent after the caller's
    commit."""
    if job.not_before is None:
        return
    Job.objects.filter(pk=job.pk, state=Job.State.PENDING).update(
        not_before=None, updated_at=timezone.now()
    )
    job.not_before = None
    transaction.on_commit(lambda: _send(job.pk), robust=True)


@dataclass
class Claim:
    job: Job
    token: int
    soft_limit: float = float(settings.CELERY_TASK_SOFT_TIME_LIMIT)
    started: float = field(default_factory=time.monotonic)

    def _fenced(self) -> Any:
        return Job.objects.filter(
            pk=self.job.pk, attempts=self.token, state=Job.State.RUNNING
        )

    def advance(
        self,
        *,
        checkpoint: dict[str, Any] | None = None,
        progress: int = 0,
        total: int | None = None,
    ) -> None:
        """Record a chunk's progress; call inside the chunk's transaction."""
        changes: dict[str, Any] = {
            "heartbeat_at": timezone.now(),
            "progress": F("progress") + progress,
        }
        if checkpoint is not None:
            changes["checkpoint"] = checkpoint
            self.job.checkpoint = checkpoint
        if total is not None:
            changes["total"] = total
            self.job.total = total
        if self._fenced().update(**changes) == 0:
            raise StaleClaim(f"job {self.job.pk} was taken over")
        self.job.progress += progress

    def beat(self) -> bool:
        """Renew the heartbeat while a chunk runs; False once the job was taken over.

        Never waits long on the job's row: the job's own chunk transaction may hold it
        for a moment, and a later beat will do."""
        try:
            with transaction.atomic():
                db.set_lock_timeout(connection, milliseconds=2000)
                return self._fenced().update(heartbeat_at=timezone.now()) > 0
        except DatabaseError:
            logger.warning("job %s: heartbeat not written", self.job.pk)
            return True

    def near_time_limit(self) -> bool:
        return time.monotonic() - self.started > 0.8 * self.soft_limit

    def finish(self, result: dict[str, Any] | None = None) -> None:
        now = timezone.now()
        done = self._fenced().update(
            state=Job.State.DONE, result=result or {}, finished_at=now, heartbeat_at=now
        )
        if done == 0:
            raise StaleClaim(f"job {self.job.pk} was taken over")
        self.job.state = Job.State.DONE

    def fail(self, error: str) -> None:
        now = timezone.now()
        self._fenced().update(
            state=Job.State.FAILED,
            error=error[:2000],
            finished_at=now,
            heartbeat_at=now,
        )
        self.job.state = Job.State.FAILED

    def release(self) -> None:
        """Give the job back (transient error, or time to continue in a new task)."""
        self._fenced().update(state=Job.State.PENDING, heartbeat_at=timezone.now())
        self.job.state = Job.State.PENDING

    def requeue(self) -> None:
        self.release()
        _send(self.job.pk)


def due(now: datetime) -> Q:
    """Jobs that may be claimed now: no quiet period, or it has passed."""
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


def claim(*, job_id: int, now: datetime | None = None) -> Claim | None:
    """Take the job if it is pending (and due), or running with a stale heartbeat."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.BIP_JOB_STALE_AFTER)
    with transaction.atomic():
        job = (
            Job.objects.select_for_update()
            .filter(pk=job_id)
            .filter(
                Q(state=Job.State.PENDING) & due(now)
                | Q(state=Job.State.RUNNING, heartbeat_at__lt=stale_before)
            )
            .first()
        )
        if job is None:
            return None  # finished, or another worker holds a fresh claim
        if job.state == Job.State.RUNNING:
            job.takeovers += 1  # its worker died or hung
            if job.takeovers >= settings.BIP_JOB_MAX_ATTEMPTS:
                job.state, job.finished_at = Job.State.FAILED, now
                job.error = "The job stopped responding too many times."
                job.save(update_fields=["state", "finished_at", "error", "takeovers"])
                return None
        job.state, job.heartbeat_at = Job.State.RUNNING, now
        job.attempts += 1
        job.save(update_fields=["state", "heartbeat_at", "attempts", "takeovers"])
    return Claim(job=job, token=job.attempts)


class KeepAlive:
    """While a handler runs, a thread in the worker renews the job's heartbeat every
    BIP_HEARTBEAT_SECONDS, fenced by the claim's token: a long chunk of a live worker
    is never taken for a dead one's. A killed worker's thread dies with it, so its
    job's heartbeat goes stale and the sweeper hands the job on."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.interval = float(settings.BIP_HEARTBEAT_SECONDS)
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"bip-job-{claim.job.pk}-heartbeat", daemon=True
        )

    def _run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                if not self.claim.beat():
                    return  # taken over: the handler's next chunk commit stops it
        finally:
            connection.close()  # this thread's own connection, if it opened one

    def __enter__(self) -> KeepAlive:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopped.set()
        # bounded: a beat waits at most its lock timeout, and the thread is a daemon
        self.thread.join(timeout=5)


def test_hold() -> None:
    """Tests only (BIP_TEST_HOLD_LOCK): wait on an advisory lock the test holds, so a
    worker can be killed provably in the middle of a job (between two chunks)."""
    key = getattr(settings, "BIP_TEST_HOLD_LOCK", 0)
    if key:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def job_run(*, job_id: int) -> None:
    c = claim(job_id=job_id)
    if c is None:
        return  # a duplicate delivery or a rerun of a finished job does nothing
    handler = registry.handler_for(c.job.kind)
    try:
        with KeepAlive(c):
            handler(c)
        if c.job.state == Job.State.RUNNING:
            c.finish(c.job.result)
    except StaleClaim:
        logger.info("job %s taken over by another worker", job_id)
    except TRANSIENT:
        c.release()
        raise  # the task retries with back-off
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, c.job.kind)
        c.fail(f"{type(exc).__name__}: {exc}")


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-enqueue pending and stale jobs; fail those out of attempts."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.BIP_JOB_STALE_AFTER)
    grace_before = now - timedelta(seconds=settings.BIP_JOB_PENDING_GRACE)
    failed = Job.objects.filter(
        state=Job.State.RUNNING,
        heartbeat_at__lt=stale_before,
        takeovers__gte=settings.BIP_JOB_MAX_ATTEMPTS - 1,
    ).update(
        state=Job.State.FAILED,
        finished_at=now,
        error="The job stopped responding too many times.",
    )
    waiting = Job.objects.filter(
        Q(state=Job.State.PENDING, created_at__lt=grace_before)
        & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=grace_before))
        & due(now)
        | Q(state=Job.State.RUNNING, heartbeat_at__lt=stale_before)
    )
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    Job.objects.filter(pk__in=ids, state=Job.State.PENDING).update(heartbeat_at=now)
    for job_id in ids:
        _send(job_id)
    return {"failed": failed, "requeued": len(ids)}


def heartbeat(name: str, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": timezone.now(), "detail": detail[:200]}
    )


def worker_heartbeat_start(*, detail: str = "") -> threading.Event:
    """The worker's liveness, written by the worker process itself (a thread beside
    its work, not a task that beat sends) every BIP_HEARTBEAT_SECONDS, so /healthz
    shows a dead worker within three missed beats. Set the event to stop it."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            try:
                heartbeat("worker", detail=detail)
            except Exception:  # the database may be down; /healthz shows it
                logger.warning("worker heartbeat not written", exc_info=True)
            finally:
                close_old_connections()
            stop.wait(settings.BIP_HEARTBEAT_SECONDS)

    threading.Thread(target=beat, name="bip-worker-heartbeat", daemon=True).start()
    return stop

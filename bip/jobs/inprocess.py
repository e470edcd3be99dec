"""The embedded demo's job runner: a thread in the web process claims jobs from the
same table, and runs the beat schedule (CELERY_BEAT_SCHEDULE) itself, each entry at its
own interval, so nothing needs a broker (DESIGN section 4)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from celery.schedules import maybe_schedule
from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from bip.celery import app
from bip.jobs import services
from bip.jobs.models import Job

logger = logging.getLogger(__name__)
_started = threading.Event()
POLL_SECONDS = 1.0
_last_run: dict[str, datetime] = {}


def beat_tasks() -> dict[str, Any]:
    """The task of every beat entry, by entry name. A web process never starts a
    worker, so Celery has not imported the apps' task modules yet: import them."""

    app.loader.import_default_modules()
    return {
        name: app.tasks[entry["task"]]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }


def run_beat_schedule(now: datetime | None = None) -> list[str]:
    """Run the beat entries that are due (every entry on the first pass), in this
    thread, by task name: the core knows no domain app. Returns the names run."""

    now = now or timezone.now()
    tasks = beat_tasks()
    ran = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        last = _last_run.get(name)
        if last is not None:
            due, _next = maybe_schedule(entry["schedule"], app=app).is_due(last)
            if not due:
                continue
        _last_run[name] = now
        try:
            tasks[name]()
        except Exception:
            logger.exception("in-process beat entry %s", name)
        ran.append(name)
    return ran


def run_once(*, periodic: bool) -> int:
    """One pass of the runner: the beat entries that are due, then up to five jobs that
    are pending, or running with a stale heartbeat (the web process restarted
    mid-job); claim() decides which it may take. Returns how many jobs it tried."""

    if periodic:
        services.heartbeat("worker", detail="in-process")
        run_beat_schedule()
        services.heartbeat("beat", detail="in-process")
    now = timezone.now()
    stale = now - timedelta(seconds=settings.BIP_JOB_STALE_AFTER)
    waiting = Job.objects.filter(
        Q(state=Job.State.PENDING) & services.due(now)
        | Q(state=Job.State.RUNNING, heartbeat_at__lt=stale)
    )
    ids = list(waiting.order_by("pk")[:5].values_list("pk", flat=True))
    for job_id in ids:
        services.job_run(job_id=job_id)
    return len(ids)


def _loop(stop: threading.Event) -> None:
    ticks = 0
    # heartbeats as often as a worker's; each beat entry still runs on its own schedule
    every = max(1, int(settings.BIP_HEARTBEAT_SECONDS / POLL_SECONDS))
    while not stop.is_set():
        try:
            run_once(periodic=ticks % every == 0)
        except Exception:
            logger.exception("in-process job runner")
        finally:
            close_old_connections()
        ticks += 1
        stop.wait(POLL_SECONDS)


def start() -> threading.Event:
    stop = threading.Event()
    if not _started.is_set():
        _started.set()
        threading.Thread(
            target=_loop, args=(stop,), name="bip-jobs", daemon=True
        ).start()
        # beside the job thread, so a long job does not silence the heartbeat
        from bip.jobs import services

        services.worker_heartbeat_start(detail="in-process")
    return stop

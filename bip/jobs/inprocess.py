"""The embedded demo's job runner: a thread in the web process claims jobs from the
same table, and a timer runs the periodic tasks (DESIGN section 4)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)
_started = threading.Event()
POLL_SECONDS = 1.0
PERIODIC_SECONDS = 60.0


def run_once(*, periodic: bool) -> int:
    """One pass of the runner: the periodic tasks if due, then up to five jobs that are
    pending, or running with a stale heartbeat (the web process restarted mid-job);
    claim() decides which it may take. Returns how many jobs it tried."""
    from bip.audit.services import audit_maintain
    from bip.jobs import services
    from bip.jobs.models import Job

    if periodic:
        services.heartbeat("worker", detail="in-process")
        services.heartbeat("beat", detail="in-process")
        services.jobs_sweep()
        audit_maintain()
    stale = timezone.now() - timedelta(seconds=settings.BIP_JOB_STALE_AFTER)
    waiting = Job.objects.filter(
        Q(state=Job.State.PENDING) | Q(state=Job.State.RUNNING, heartbeat_at__lt=stale)
    )
    ids = list(waiting.order_by("pk")[:5].values_list("pk", flat=True))
    for job_id in ids:
        services.job_run(job_id=job_id)
    return len(ids)


def _loop(stop: threading.Event) -> None:
    ticks = 0
    while not stop.is_set():
        try:
            run_once(periodic=ticks % int(PERIODIC_SECONDS / POLL_SECONDS) == 0)
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
    return stop

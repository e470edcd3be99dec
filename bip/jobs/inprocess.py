"""The embedded demo's job runner: a thread in the web process claims jobs from the
same table, and a timer runs the periodic tasks (DESIGN section 4)."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

logger = logging.getLogger(__name__)
_started = threading.Event()
POLL_SECONDS = 1.0
PERIODIC_SECONDS = 60.0


def _loop(stop: threading.Event) -> None:
    from bip.audit.services import audit_maintain
    from bip.jobs import services
    from bip.jobs.models import Job

    ticks = 0
    while not stop.is_set():
        try:
            if ticks % int(PERIODIC_SECONDS / POLL_SECONDS) == 0:
                services.heartbeat("worker", detail="in-process")
                services.heartbeat("beat", detail="in-process")
                services.jobs_sweep()
                audit_maintain()
            for job_id in (
                Job.objects.filter(state=Job.State.PENDING)
                .order_by("pk")[:5]
                .values_list("pk", flat=True)
            ):
                services.job_run(job_id=job_id)
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

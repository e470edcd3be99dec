from __future__ import annotations

import threading

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def job_run(job_id: int) -> None:
    from bip.jobs import services

    services.job_run(job_id=job_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def jobs_sweep() -> None:
    from bip.jobs import services

    services.jobs_sweep()


@shared_task
def beat_heartbeat() -> None:
    from bip.jobs import services

    services.heartbeat("beat")


@worker_ready.connect
def _start_worker_heartbeat(**kwargs: object) -> None:
    """The worker's liveness, written by the worker process itself (not by a task
    beat sends), so /healthz shows a dead worker within three missed beats."""
    from django.conf import settings
    from django.db import close_old_connections

    from bip.jobs import services

    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            try:
                services.heartbeat("worker")
            except Exception:  # noqa: S110 - the database may be down; /healthz shows it
                pass
            finally:
                close_old_connections()
            stop.wait(settings.BIP_HEARTBEAT_SECONDS)

    threading.Thread(target=beat, name="bip-worker-heartbeat", daemon=True).start()

from __future__ import annotations

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
    from bip.jobs import services

    services.worker_heartbeat_start()

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from bip.exceptions import TRANSIENT
from bip.jobs import services


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def job_run(job_id: int) -> None:
    services.job_run(job_id=job_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def jobs_sweep() -> None:
    services.jobs_sweep()


@shared_task
def beat_heartbeat() -> None:
    services.heartbeat("beat")


@worker_ready.connect
def _start_worker_heartbeat(**kwargs: object) -> None:
    services.worker_heartbeat_start()

from __future__ import annotations

from celery import shared_task

from bip.exceptions import TRANSIENT
from measurements.scoring.recompute import scores_sweep as sweep


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def scores_sweep() -> None:
    """Nightly: one recompute job per municipality (the jobs do the work)."""
    sweep()

from __future__ import annotations

from celery import shared_task

from bip.exceptions import TRANSIENT
from reports.aggregates import dashboards_nightly
from reports.exports.services import exports_expire, monthly_exports


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def dashboards_refresh() -> None:
    """Nightly: one refresh job per municipality (the jobs do the work)."""
    dashboards_nightly()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def exports_sweep() -> None:
    """Delete the files of expired exports."""
    exports_expire()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def exports_monthly() -> None:
    """The first of the month: each municipality's export of the month before."""
    monthly_exports()

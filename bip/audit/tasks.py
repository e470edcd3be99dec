from __future__ import annotations

from celery import shared_task

from bip.audit import services
from bip.exceptions import TRANSIENT


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def audit_maintain() -> None:
    services.audit_maintain()

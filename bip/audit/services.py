"""Writing the audit log. Reads and denials go through the `audit` connection, so they
are kept when the request's transaction rolls back; events for writes go on `default`
inside the business transaction, so a rolled-back write leaves no event."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bip import db
from bip.audit import partitions
from bip.audit.context import current_origin
from bip.audit.models import AuditEvent, AuditEventCitizen, Purpose
from bip.audit.router import audit_alias

logger = logging.getLogger(__name__)


def record(
    *,
    actor: Any,
    action: str,
    purpose: str = Purpose.CASEWORK,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    citizen_ids: Iterable[int] = (),
    municipality_id: int | None = None,
    criterion_masked: str = "",
    write: bool = False,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
        municipality_id = municipality_id or getattr(obj, "municipality_id", None)
    if municipality_id is None and actor is not None:
        municipality_id = getattr(actor, "active_municipality_id", None)
    origin = current_origin.get()
    using = "default" if write else audit_alias()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        ts=timezone.now(),
        actor_id=actor.pk if authenticated else None,
        # an API token's own identity (integration, token, issuer) where it acts
        actor_label=(
            (getattr(actor, "audit_label", "") or actor.get_username())[:150]
            if authenticated
            else ""
        ),
        municipality_id=municipality_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose,
        ip=origin.ip,
        request_id=origin.request_id,
        criterion_masked=criterion_masked[:200],
    )
    ids = sorted(set(citizen_ids))
    with transaction.atomic(using=using):
        event.save(using=using)
        if ids:
            AuditEventCitizen.objects.using(using).bulk_create(
                [
                    AuditEventCitizen(event_id=event.pk, citizen_id=c, ts=event.ts)
                    for c in ids
                ],
                batch_size=1000,
            )
    return event


def record_denial(*, actor: Any, object_type: str, object_id: str | int) -> AuditEvent:
    return record(
        actor=actor,
        action="access.denied",
        purpose=Purpose.SECURITY,
        object_type=object_type,
        object_id=object_id,
    )


def audit_maintain(*, today: date | None = None) -> dict[str, list[str]]:
    """Partitions three months ahead; drop those past the retention period."""
    today = today or timezone.localdate()
    created = partitions.ensure(today)
    cutoff = db.add_months(db.month_start(today), -settings.BIP_AUDIT_RETENTION_MONTHS)
    dropped = partitions.drop_before(cutoff)
    if created or dropped:
        logger.info("audit partitions: created %s, dropped %s", created, dropped)
    return {"created": created, "dropped": dropped}

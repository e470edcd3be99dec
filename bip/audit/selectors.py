"""Reads of the audit log. The core's audit app knows no viewer (it sits below the
accounts app): its callers pass the municipality the viewer's scope gives."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from bip.audit.models import AuditEvent, AuditEventCitizen

MAX_CITIZEN_EVENTS = 50_000  # events of one citizen read for a search


def event_search(
    *,
    municipality_id: int | None,
    user_id: int | None = None,
    citizen_ids: list[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """A municipality's events, newest first, by who, which citizens (None: any) and
    period (whole days in the local time zone)."""
    qs = AuditEvent.objects.filter(municipality_id=municipality_id)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(ts__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        qs = qs.filter(
            ts__lt=datetime.combine(date_to + timedelta(days=1), time.min, tz)
        )
    if user_id:
        qs = qs.filter(actor_id=user_id)
    if citizen_ids is not None:
        event_ids = AuditEventCitizen.objects.filter(
            citizen_id__in=citizen_ids
        ).values_list("event_id", flat=True)
        qs = qs.filter(pk__in=list(event_ids[:MAX_CITIZEN_EVENTS]))
    return qs.order_by("-ts")

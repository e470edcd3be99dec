"""Append-only audit log (DESIGN section 3).

On PostgreSQL both tables are partitioned by month with primary key (id, ts), built by a
hand-written migration; the model state keeps an ordinary id. No foreign keys: erasing
a citizen or a user must never be blocked by the log.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    # Citizens see these in their access report: keep them plain.
    CASEWORK = "casework", _("Case work")
    FOLLOW_UP = "follow_up", _("Follow-up and management")
    STATISTICS = "statistics", _("Statistics and analysis")
    ADMINISTRATION = "administration", _("Administration")
    ACCESS_REQUEST = "access_request", _("Citizen's access request")
    SECURITY = "security", _("Security control")
    SELF_SERVICE = "self_service", _("Citizen's own answers")


class AuditEvent(models.Model):
    ts = models.DateTimeField(default=timezone.now)
    actor_id = models.BigIntegerField(null=True)
    actor_label = models.CharField(max_length=150, blank=True)
    municipality_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    ip = models.GenericIPAddressField(null=True)
    request_id = models.CharField(max_length=64, blank=True)
    criterion_masked = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit event")
        indexes = [
            models.Index(fields=["municipality_id", "ts"], name="audit_event_muni_idx"),
            models.Index(fields=["actor_id", "ts"], name="audit_event_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ts:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class AuditEventCitizen(models.Model):
    """Links an event to every citizen it touched (lists, searches, exports)."""

    event_id = models.BigIntegerField()
    citizen_id = models.BigIntegerField()
    ts = models.DateTimeField()

    class Meta:
        indexes = [
            # the citizen's access report: all events for one citizen by date
            models.Index(fields=["citizen_id", "ts"], name="audit_citizen_ts_idx"),
            models.Index(fields=["event_id"], name="audit_citizen_event_idx"),
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} · citizen {self.citizen_id}"

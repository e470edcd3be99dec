from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bip.jobs.registry import label_for
from bip.models import TimeStampedModel


class Job(TimeStampedModel):
    """Every piece of background work is a row (DESIGN section 4)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, null=True, blank=True
    )
    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict)  # ids and options only: no personal data
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING
    )
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    checkpoint = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)  # fencing token of the claim
    takeovers = models.PositiveSmallIntegerField(
        default=0
    )  # claims lost to a dead worker
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # not claimed before this moment: work that waits for a quiet period (the scores
    # after a run of imports)
    not_before = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("job")
        indexes = [  # the sweeper scans unfinished rows only
            models.Index(
                fields=["heartbeat_at"],
                name="job_unfinished_idx",
                condition=models.Q(state__in=["pending", "running"]),
            ),
            models.Index(fields=["municipality", "kind"], name="job_muni_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def kind_label(self) -> str:

        return label_for(self.kind)

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class Heartbeat(models.Model):
    """Last sign of life of the worker and of beat, for /healthz."""

    name = models.CharField(max_length=32, primary_key=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"

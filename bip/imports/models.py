"""Staged imports (DESIGN section 6): a batch, its rows in a staging table, and two
durable jobs (check, then save). The batch keeps no status of its own beyond what the
jobs and the rows say."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bip.imports.formats import format_for
from bip.models import TimeStampedModel


class ImportBatch(TimeStampedModel):
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    kind = models.CharField(max_length=40)
    original_name = models.CharField(max_length=255)
    file_name = models.CharField(max_length=255, blank=True)  # in STORAGES["default"]
    encoding = models.CharField(max_length=20, default="auto")
    options = models.JSONField(default=dict)
    file_errors = models.JSONField(default=list)  # problems with the file as a whole
    rows_total = models.PositiveIntegerField(default=0)
    rows_error = models.PositiveIntegerField(default=0)
    rows_warning = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_same = models.PositiveIntegerField(default=0)
    parse_job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, related_name="+"
    )
    commit_job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("import")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def kind_label(self) -> str:

        return str(format_for(self.kind).label)

    @property
    def checked(self) -> bool:
        return bool(self.parse_job and self.parse_job.state == "done")

    @property
    def can_commit(self) -> bool:
        return (
            self.checked
            and not self.file_errors
            and self.rows_error == 0
            and self.rows_new > 0
            and self.committed_at is None
            and self.commit_job_id is None
        )


class ImportRow(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        SAME = "same", _("Already there")
        ERROR = "error", _("Error")

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rows"
    )
    row_number = models.PositiveIntegerField()
    key = models.CharField(max_length=200, blank=True)  # the natural key (no clear CPR)
    data = models.JSONField(default=dict)  # normalised values; a CPR only encrypted
    errors = models.JSONField(default=list)  # [{"column": ..., "problem": ...}]
    warnings = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)

    class Meta:
        indexes = [
            models.Index(
                fields=["batch", "row_number"], name="importrow_batch_row_idx"
            ),
            models.Index(fields=["batch", "key"], name="importrow_batch_key_idx"),
        ]

    def __str__(self) -> str:
        return f"row {self.row_number} of {self.batch_id}"

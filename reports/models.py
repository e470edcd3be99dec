"""The dashboards' aggregate tables (docs/dashboards.md). A refresh job writes every
cell of a municipality anew; pages read the latest refresh only, so a page never
computes over individual rounds and every figure has one "as of"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardRefresh(models.Model):
    """One computation of a municipality's dashboards; the newest one is shown."""

    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    model_version = models.ForeignKey(
        "measurements.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField()
    rounds = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dashboard refresh")
        indexes = [
            models.Index(
                fields=["municipality", "-computed_at"], name="dashrefresh_latest_idx"
            )
        ]

    def __str__(self) -> str:
        return (
            f"dashboards of {self.municipality_id} at {self.computed_at:%Y-%m-%d %H:%M}"
        )


class DashboardCell(models.Model):
    """The figures of one unit x team x case worker x target group x quarter, "at the
    time": a round counts where its snapshot of team, case worker and target group
    put it; a due date and an outcome where the history of case workers had the
    citizen on that day. Counts are rounds, due dates and outcomes; sums and counts
    make averages; JSON holds the figures with their own categories."""

    refresh = models.ForeignKey(
        DashboardRefresh, on_delete=models.CASCADE, related_name="cells"
    )
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, related_name="+"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    target_group = models.ForeignKey(
        "citizens.TargetGroup", on_delete=models.PROTECT, null=True, related_name="+"
    )
    quarter = models.DateField()  # its first day
    rounds_due = models.PositiveIntegerField(default=0)
    rounds_done = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0)
    standstill = models.PositiveIntegerField(default=0)
    regression = models.PositiveIntegerField(default=0)
    # {mix: {"n": rounds, "progress": .., "standstill": .., "regression": ..}}
    mix = models.JSONField(default=dict)
    # {"citizen" | "caseworker": {indicator: [sum of scores, rounds]}}
    indicators = models.JSONField(default=dict)
    p12_bins = models.JSONField(default=list)  # rounds per tenth of the 12-month p
    p12_sum = models.FloatField(default=0.0)
    p12_n = models.PositiveIntegerField(default=0)
    # {kind: {"n": outcomes, "days": sum of days from the spell's start}}
    outcomes = models.JSONField(default=dict)
    # observed against expected, for the case-worker comparison:
    # {"job" | "progress": {"n": rounds, "o": observed, "e": expected, "v": variance}}
    oe = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("dashboard cell")
        indexes = [
            # a page reads one refresh's cells of a unit, team or case worker
            models.Index(
                fields=["refresh", "unit", "quarter"], name="dashcell_unit_idx"
            ),
            models.Index(
                fields=["refresh", "team", "quarter"], name="dashcell_team_idx"
            ),
            models.Index(
                fields=["refresh", "caseworker", "quarter"], name="dashcell_cw_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"cell {self.pk} {self.quarter:%Y-%m}"


class DashboardMember(models.Model):
    """A citizen behind a figure of a cell, for the drill-down: `figure` names the
    figure ("done", "due", "class", "mix", "p12", "outcome") and `category` its bar
    (e.g. "progress", "job_parallel", "3", "education")."""

    # read through the index below, which leads with the cell: a second index on the
    # cell alone let the planner pick it and filter the figure row by row
    cell = models.ForeignKey(
        DashboardCell, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    figure = models.CharField(max_length=12)
    category = models.CharField(max_length=24, blank=True)
    citizen_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["cell", "figure", "category"], name="dashmember_cell_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.figure}:{self.category} {self.citizen_id}"


class Export(models.Model):
    """A requested export file (docs/exports.md). Its state, progress, row count and
    errors are its Job's (DESIGN section 4); the row keeps the request, the stored
    file and its expiry."""

    class Layout(models.TextChoices):
        WIDE = "wide", _("Wide: one row per citizen and round")
        LONG = "long", _("Long: one row per answer")
        INTERVENTIONS = "interventions", _("Interventions")
        OUTCOMES = "outcomes", _("Outcomes")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (zip with the codebook)")
        XLSX = "xlsx", _("Excel (XLSX)")
        SAV = "sav", _("SPSS (.sav)")
        DTA = "dta", _("Stata (.dta)")

    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.PROTECT, related_name="export"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )  # none: the monthly export
    created_at = models.DateTimeField(auto_now_add=True)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"), null=True, blank=True)
    unit_ids = models.JSONField(default=list, blank=True)  # none: every unit
    target_group_ids = models.JSONField(default=list, blank=True)
    layout = models.CharField(_("layout"), max_length=16, choices=Layout.choices)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    csv_semicolon = models.BooleanField(default=True)
    csv_bom = models.BooleanField(default=True)
    pseudonymised = models.BooleanField(default=True)
    date_shift = models.BooleanField(default=False)
    # identified exports only: the purpose in the audit log's vocabulary and in words
    purpose = models.CharField(max_length=20, blank=True)
    purpose_note = models.CharField(max_length=300, blank=True)
    scheduled = models.BooleanField(default=False)  # the monthly export
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    expired_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)  # the monthly notice

    class Meta:
        verbose_name = _("export")
        indexes = [
            models.Index(
                fields=["municipality", "-created_at"], name="export_muni_idx"
            ),
            models.Index(
                fields=["expires_at"],
                name="export_unexpired_idx",
                condition=models.Q(expired_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.layout}, {self.format})"

    @property
    def downloadable(self) -> bool:
        return bool(self.file_name) and self.expired_at is None

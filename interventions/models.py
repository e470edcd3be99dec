"""The intervention catalogue, episodes on an enrolment, and outcomes (DESIGN sections
1 and 5)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bip.models import DatedLookup, TimeStampedModel


class Group(models.TextChoices):
    JOB_DIRECTED = "job_directed", _("Job-directed")
    UPSKILLING = "upskilling", _("Upskilling")
    SOCIAL = "social", _("Social")
    HEALTH = "health", _("Health")


class InterventionType(DatedLookup, TimeStampedModel):
    """A catalogue entry. Global (municipality NULL) by default; a municipality copies
    the catalogue and edits its own. Types that end (the 2026 reform) get valid_to and
    keep their meaning on old records."""

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, null=True, blank=True
    )
    code = models.SlugField(_("code"), max_length=60)
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    label_da = models.CharField(_("name (Danish)"), max_length=150)
    label_en = models.CharField(_("name (English)"), max_length=150)
    valid_from = models.DateField(_("valid from"), default=date(2010, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("intervention type")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="interventiontype_code_unique"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(municipality__isnull=True),
                name="interventiontype_global_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class InterventionEpisode(TimeStampedModel):
    enrolment = models.ForeignKey(
        "citizens.Enrolment", on_delete=models.PROTECT, related_name="episodes"
    )
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    type = models.ForeignKey(
        InterventionType, on_delete=models.PROTECT, verbose_name=_("type")
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=150, blank=True)
    hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(max_length=10, default="manual")
    import_batch_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("intervention")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="episode_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True)
                | (Q(hours_per_week__gte=0) & Q(hours_per_week__lte=80)),
                name="episode_hours_range",
            ),
        ]
        indexes = [
            # the mix of a round reads the episodes of one enrolment around a date
            models.Index(fields=["enrolment", "start"], name="episode_enrolment_idx"),
            models.Index(fields=["municipality", "start"], name="episode_muni_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.start:%Y-%m-%d}"


class Outcome(TimeStampedModel):
    class Kind(models.TextChoices):
        JOB = "job", _("Ordinary job")
        EDUCATION = "education", _("Education")
        SUBSIDISED_JOB = "subsidised_job", _("Subsidised job")
        OTHER_EXIT = "other_exit", _("Other exit")
        BACK_ON_BENEFIT = "back_on_benefit", _("Back on benefit")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        IMPORT = "import", _("Register extract")

    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.PROTECT, related_name="outcomes"
    )
    enrolment = models.ForeignKey(
        "citizens.Enrolment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
    )
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    kind = models.CharField(_("outcome"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    import_batch_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("outcome")
        indexes = [
            models.Index(fields=["citizen", "kind", "date"], name="outcome_key_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"

    # The event of the job-probability model (DESIGN section 5): job or education.
    EVENT_KINDS = ("job", "education")
    # Kinds that end the enrolment spell (other exit: censored).
    ENDING_KINDS = ("job", "education", "other_exit")

from __future__ import annotations

import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bip.models import DatedLookup, TimeStampedModel
from citizens import cpr, crypto


def fold(text: str) -> str:
    """Search form of a name: lower case, Danish letters and accents folded.

    SQLite's LIKE does not fold æ/ø/å, so search runs on this stored column.
    """
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join(
        "".join(c for c in decomposed if not unicodedata.combining(c)).split()
    )


class Citizen(TimeStampedModel):
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    # A stable internal key, not the CPR hash (a corrected CPR changes the hash); it
    # feeds the keyed pseudonyms of analyst exports.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cpr_ciphertext = models.TextField()
    cpr_hmac = models.CharField(max_length=64)
    cpr_key_id = models.CharField(max_length=16)
    name = models.CharField(_("name"), max_length=200)
    name_search = models.CharField(max_length=200, db_index=True, editable=False)
    birth_date = models.DateField(_("birth date"))
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, default="da", choices=settings.LANGUAGES
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Overrides the municipality's interval between rounds for this citizen.
    round_interval_days = models.PositiveSmallIntegerField(
        _("days between rounds"), null=True, blank=True
    )
    # Current placement, kept by the services from the enrolment and assignment
    # history, so scoping filters on these columns without joins (DESIGN section 1).
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
    )

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        constraints = [
            # per municipality, never installation-wide: an error must not reveal
            # that a person is known elsewhere
            models.UniqueConstraint(
                fields=["municipality", "cpr_hmac"], name="citizen_cpr_unique"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "team"], name="citizen_scope_idx"),
            models.Index(fields=["caseworker"], name="citizen_caseworker_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def set_cpr(self, value: cpr.Cpr) -> None:
        self.cpr_key_id, self.cpr_ciphertext = crypto.encrypt(value.digits)
        self.cpr_hmac = crypto.keyed_hash(value.digits)
        self.birth_date = value.birth_date

    def set_name(self, name: str) -> None:
        self.name = " ".join(name.split())
        self.name_search = fold(self.name)

    @property
    def cpr_masked(self) -> str:
        return f"{self.birth_date:%d%m%y}-XXXX"

    def cpr_clear(self) -> str:
        """Decrypt; only for views whose role needs the full number (logged)."""
        return cpr.Cpr(
            digits=crypto.decrypt(self.cpr_key_id, self.cpr_ciphertext),
            birth_date=self.birth_date,
        ).formatted


class TargetGroup(DatedLookup, TimeStampedModel):
    """A national target group (målgruppe): a dated lookup, not an enum, since the
    2026-2027 reform replaces the 13 groups with 5. Global; edited by the system admin."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    label_da = models.CharField(_("name (Danish)"), max_length=150)
    label_en = models.CharField(_("name (English)"), max_length=150)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")

    def __str__(self) -> str:
        return self.label


class Enrolment(TimeStampedModel):
    """A spell in the programme. Rounds, baseline and time in programme belong to it;
    a re-enrolment is a new spell with a new baseline."""

    class EndReason(models.TextChoices):
        JOB = "job", _("Ordinary job")
        EDUCATION = "education", _("Education")
        OTHER_EXIT = "other_exit", _("Other exit")
        MOVED = "moved", _("Moved to another municipality")
        OTHER = "other", _("Other")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="enrolments"
    )
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT)
    target_group = models.ForeignKey(TargetGroup, on_delete=models.PROTECT)
    start = models.DateField(_("enrolment date"))
    end = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"],
                condition=models.Q(end__isnull=True),
                name="enrolment_one_open_per_citizen",
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="enrolment_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "end"], name="enrolment_muni_idx")
        ]

    def __str__(self) -> str:
        return f"{self.citizen} {self.start:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.end is None


class Assignment(TimeStampedModel):
    """History of the responsible case worker and team; a change is a predictor.
    [start, end): it ends the day the next one starts (citizens/history.py)."""

    class Source(models.TextChoices):
        ASSUMED = "assumed", _("Assumed (named when the spell was registered)")
        ROUNDS = "rounds", _("From the case workers of historic rounds")
        EXACT = "exact", _("Entered or imported as exact history")

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="assignments"
    )
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.EXACT
    )

    class Meta:
        verbose_name = _("case worker assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=models.Q(end__isnull=True),
                name="assignment_one_open_per_enrolment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caseworker} {self.start:%Y-%m-%d}"

from __future__ import annotations

import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bip.models import TimeStampedModel
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

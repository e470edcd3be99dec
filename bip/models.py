"""Abstract bases shared by every app."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DatedLookup:
    """Shared by reference data with Danish and English names and validity dates
    (target groups, intervention types): a row keeps its meaning after it ends."""

    label_da: str
    label_en: str
    valid_from: date
    valid_to: date | None

    @property
    def label(self) -> str:
        return (
            self.label_en
            if (get_language() or "da").startswith("en")
            else self.label_da
        )

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (
            self.valid_to is None or day <= self.valid_to
        )

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.caseworkers import quarter_label

DEFAULT_QUARTERS = 4


class QuarterRangeForm(forms.Form):
    """From and to among the quarters a refresh has figures for; by default the last
    four."""

    first = forms.TypedChoiceField(label=_("From"), coerce=date.fromisoformat)
    last = forms.TypedChoiceField(label=_("To"), coerce=date.fromisoformat)

    def __init__(self, data: Any, *, quarters: list[date]) -> None:
        given = data if data and ("first" in data or "last" in data) else None
        super().__init__(given)
        choices = [(q.isoformat(), quarter_label(q)) for q in quarters]
        for name in ("first", "last"):
            self.fields[name].choices = choices
        # by default the last four quarters up to the current one (later quarters
        # hold only rounds falling due)
        past = [q for q in quarters if q <= timezone.localdate()] or quarters
        if past:
            self.initial = {
                "first": past[-DEFAULT_QUARTERS:][0].isoformat(),
                "last": past[-1].isoformat(),
            }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise forms.ValidationError(_("“From” must not be after “to”."))
        return data

    def period(self) -> tuple[date, date] | None:
        """The quarters chosen (the default where nothing was asked), None if the
        input was wrong."""
        if self.is_bound:
            if not self.is_valid():
                return None
            return self.cleaned_data["first"], self.cleaned_data["last"]
        if not self.initial:
            return None
        return (
            date.fromisoformat(self.initial["first"]),
            date.fromisoformat(self.initial["last"]),
        )

"""The comparison's and the dashboards' filters: ranges of the quarters present."""

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


class DashboardFilter(forms.Form):
    quarter_from = forms.TypedChoiceField(
        label=_("From quarter"), coerce=date.fromisoformat, required=False
    )
    quarter_to = forms.TypedChoiceField(
        label=_("To quarter"), coerce=date.fromisoformat, required=False
    )
    target_group = forms.TypedChoiceField(
        label=_("Target group"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        data: Any,
        *,
        quarters: list[date],
        target_groups: list[tuple[int, str]],
    ) -> None:
        super().__init__(data)
        self.quarters = quarters
        choices = [(q.isoformat(), quarter_label(q)) for q in quarters]
        self.fields["quarter_from"].choices = choices
        self.fields["quarter_to"].choices = choices
        self.fields["target_group"].choices = [("", _("All target groups"))] + [
            (str(pk), label) for pk, label in target_groups
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("quarter_from"), data.get("quarter_to")
        if low and high and low > high:
            self.add_error(
                "quarter_to", _("The last quarter must not come before the first.")
            )
        return data

    def selection(self) -> tuple[list[date], int | None]:
        """The quarters and the target group to show: the valid choices, else the
        last four quarters present up to today and every target group."""
        # later quarters hold only rounds falling due
        past = [q for q in self.quarters if q <= timezone.localdate()] or self.quarters
        default = past[-DEFAULT_QUARTERS:]
        if not self.is_valid():
            return default, None
        low = self.cleaned_data.get("quarter_from")
        high = self.cleaned_data.get("quarter_to")
        if not low and not high:
            chosen = default
        else:
            low = low or self.quarters[0]
            high = high or self.quarters[-1]
            chosen = [q for q in self.quarters if low <= q <= high]
        return chosen, self.cleaned_data.get("target_group")

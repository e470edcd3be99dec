"""The dashboards' filter: a range of the quarters present and a target group."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.dashboards import quarter_label

# the last four quarters present, when the viewer has not chosen
DEFAULT_QUARTERS = 4


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
        last four quarters present and every target group."""
        default = self.quarters[-DEFAULT_QUARTERS:]
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

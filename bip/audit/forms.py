from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bip.accounts.models import User
from bip.forms import DateInput


class AuditSearchForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"), queryset=User.objects.none(), required=False
    )
    cpr = forms.CharField(
        label=_("Citizen's CPR number"),
        required=False,
        max_length=11,
        help_text=_("The search itself is logged, with the number masked."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(memberships__municipality_id=municipality_id)
            .distinct()
            .order_by("username")
        )

    def clean_cpr(self) -> str:
        from citizens import cpr

        value = self.cleaned_data["cpr"].strip()
        if not value:
            return ""
        try:
            return cpr.parse(value, allow_nine_digits=True).digits
        except cpr.CprError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("date_from")
            and data.get("date_to")
            and data["date_from"] > data["date_to"]
        ):
            self.add_error("date_to", _("The end date is before the start date."))
        return data

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bip.accounts.models import Unit
from bip.accounts.services import TOKEN_DAYS


class IntegrationCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("The system that uses the API, e.g. the case-management system."),
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[
            ("read", _("Read only")),
            ("write", _("Read and write")),
            ("research", _("Pseudonymised research data (aggregates and exports)")),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )
    unit = forms.ModelChoiceField(
        label=_("Citizens"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("The whole municipality"),
        help_text=_("Limit the integration to the citizens of one unit."),
    )

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            municipality_id=municipality_id
        ).order_by("name")


class TokenIssueForm(forms.Form):
    valid_days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        # a callable: the labels follow the language of each request
        choices=lambda: [(d, _("%(days)s days") % {"days": d}) for d in TOKEN_DAYS],
        initial=90,
    )

"""The municipal admin's search of the audit log by user, citizen (CPR) and period.
A POST, because the criterion may be a CPR number (never in a URL); the search itself
is logged with the number masked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from bip.accounts.access import AuthenticatedHttpRequest, role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.accounts.selectors import member_list
from bip.audit.lookup import citizen_lookup
from bip.audit.models import AuditEvent, Purpose
from bip.audit.selectors import event_search
from bip.audit.services import record
from bip.forms import DateInput

MAX_ROWS = 500


class AuditSearchForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"), queryset=member_list(municipality_id=None), required=False
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

    def __init__(self, *args: Any, municipality_id: int | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = member_list(  # type: ignore[attr-defined]
            municipality_id=municipality_id
        )

    def clean_cpr(self) -> str:
        value = self.cleaned_data["cpr"].strip()
        if not value:
            return ""
        try:
            return citizen_lookup().normalise(value)
        except ValueError as exc:
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


@role_required(Can.ADMINISTER)
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = AuditSearchForm(request.POST or None, municipality_id=scope.municipality_id)
    events: list[AuditEvent] | None = None
    citizen_unknown = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lookup = citizen_lookup()
        citizen_ids: list[int] = []
        criterion = []
        if data["cpr"]:
            citizen_ids = lookup.find(scope.municipality, data["cpr"])
            citizen_unknown = not citizen_ids
            criterion.append(f"cpr={lookup.mask(data['cpr'])}")
        if data["user"]:
            criterion.append(f"user={data['user'].username}")
        events = list(
            event_search(
                municipality_id=scope.municipality_id,
                user_id=data["user"].pk if data["user"] else None,
                citizen_ids=citizen_ids if data["cpr"] else None,
                date_from=data["date_from"],
                date_to=data["date_to"],
            )[:MAX_ROWS]
        )
        shown = form.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        shown["cpr"] = ""  # the number is not echoed back into the page
        form.data = shown
        record(
            actor=request.user,
            action="audit.search",
            purpose=Purpose.SECURITY,
            citizen_ids=citizen_ids,
            criterion_masked=" ".join(criterion),
        )
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "events": events,
            "max_rows": MAX_ROWS,
            "citizen_unknown": citizen_unknown,
            "purposes": dict(Purpose.choices),
        },
    )

"""The Exports page (docs/exports.md): request an export, follow its job, download
the file. Municipal admins and analysts; analysts only pseudonymised files."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.accounts.access import AuthenticatedHttpRequest, role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.forms import DateInput, form_errors_from
from reports.exports import services
from reports.exports.selectors import (
    export_choices,
    export_get,
    export_list,
    monthly_unseen,
)
from reports.models import Export

SHOWN = 50


class ExportForm(forms.Form):
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout"),
        choices=Export.Layout.choices,
        initial=Export.Layout.WIDE,
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=Export.Format.choices,
        initial=Export.Format.CSV,
    )
    period_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=DateInput()
    )
    period_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=DateInput()
    )
    units = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Units (none chosen: all)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_groups = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Target groups (none chosen: all)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    csv_semicolon = forms.BooleanField(
        label=gettext_lazy("CSV: semicolon and decimal comma (Danish Excel)"),
        required=False,
        initial=True,
    )
    csv_bom = forms.BooleanField(
        label=gettext_lazy("CSV: byte order mark, so Excel reads UTF-8"),
        required=False,
        initial=True,
    )
    date_shift = forms.BooleanField(
        label=gettext_lazy(
            "Shift each citizen's dates by up to 30 days (pseudonymised only)"
        ),
        required=False,
    )
    identified = forms.BooleanField(
        label=gettext_lazy("Identified: with CPR number and name"),
        required=False,
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose (identified only)"),
        required=False,
        choices=[("", "---------")]
        + [(p.value, p.label) for p in services.IDENTIFIED_PURPOSES],
    )
    purpose_note = forms.CharField(
        label=gettext_lazy("What the identified data are for"),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = export_choices(viewer=viewer)
        self.fields["units"].choices = choices["units"]
        self.fields["target_groups"].choices = choices["target_groups"]
        self.admin = scope_for(viewer).is_municipal_admin
        if not self.admin:
            for name in ("identified", "purpose", "purpose_note"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.admin and self.data.get("identified"):
            raise ValidationError(
                _("Only a municipal admin can export identified data.")
            )
        return data


@role_required(Can.STATISTICS)
def exports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The list of exports and the request form."""
    form = ExportForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            export = services.export_request(
                by=request.user,
                municipality_id=scope_for(request.user).municipality,
                layout=data["layout"],
                format=data["format"],
                pseudonymised=not data.get("identified"),
                period_from=data["period_from"],
                period_to=data["period_to"],
                unit_ids=data["units"],
                target_group_ids=data["target_groups"],
                csv_semicolon=data["csv_semicolon"],
                csv_bom=data["csv_bom"],
                date_shift=data["date_shift"],
                purpose=data.get("purpose", ""),
                purpose_note=data.get("purpose_note", ""),
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("The export has been started."))
            return redirect("reports:export_detail", pk=export.pk)
    rows = list(
        export_list(viewer=request.user)
        .select_related("job", "requested_by")
        .order_by("-created_at")[:SHOWN]
    )
    unseen = monthly_unseen(viewer=request.user)
    services.monthly_seen(exports=unseen)
    record(actor=request.user, action="export.list", purpose=Purpose.STATISTICS)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reports/exports.html",
        {"form": form, "exports": rows, "new_monthly": len(unseen)},
        status=status,
    )


@role_required(Can.STATISTICS)
def export_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One export: its job's progress bar, then the download link."""
    export = export_get(viewer=request.user, pk=pk)
    return render(request, "reports/export_detail.html", {"export": export})


@role_required(Can.STATISTICS)
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    export = export_get(viewer=request.user, pk=pk)
    if not export.downloadable:
        raise Http404
    services.export_downloaded(export=export, by=request.user)
    response = FileResponse(
        services.export_open(export),
        as_attachment=True,
        filename=PurePath(export.file_name).name,
    )
    response["Cache-Control"] = "no-store"
    return response

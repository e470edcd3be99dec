from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bip.accounts.access import AuthenticatedHttpRequest, role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.exceptions import ApplicationError
from bip.imports import formats, reading, services
from bip.imports.models import ImportRow
from bip.imports.selectors import batch_get, batch_list, batch_problems

SHOWN_PROBLEMS = 200


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=format_lazy(
            gettext_lazy(
                "At most {mb} MB and {rows} rows. CSV with ; or , as Danish Excel saves it."
            ),
            mb=reading.MAX_BYTES // (1024 * 1024),
            rows=f"{reading.MAX_ROWS:,}".replace(",", "."),
        ),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Character set"),
        choices=[
            ("auto", gettext_lazy("Find out automatically")),
            ("utf-8", "UTF-8"),
            ("windows-1252", gettext_lazy("Windows-1252 (older Danish Excel)")),
        ],
        initial="auto",
    )

    def __init__(self, *args: Any, fmt: formats.ImportFormat, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields.update(fmt.option_fields())

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > reading.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.")
                % {"mb": reading.MAX_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


@role_required(Can.ADMINISTER)
def batches(request: AuthenticatedHttpRequest) -> HttpResponse:
    batches = (
        batch_list(viewer=request.user)
        .select_related("parse_job", "commit_job", "created_by")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "imports/list.html",
        {"batches": batches, "formats": formats.all_formats()},
    )


@role_required(Can.ADMINISTER)
def upload(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    try:
        fmt = formats.format_for(kind)
    except KeyError:
        raise Http404 from None
    form = UploadForm(request.POST or None, request.FILES or None, fmt=fmt)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(
                kind=kind,
                upload=form.cleaned_data["file"],
                municipality_id=scope_for(request.user).municipality,
                by=request.user,
                encoding=form.cleaned_data["encoding"],
                options=fmt.options_from(form.cleaned_data),
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:detail", pk=batch.pk)
    return render(request, "imports/upload.html", {"form": form, "fmt": fmt})


@role_required(Can.ADMINISTER)
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = batch_get(viewer=request.user, pk=pk)
    problems = batch_problems(batch=batch, limit=SHOWN_PROBLEMS)
    record(
        actor=request.user,
        action="import.view",
        purpose=Purpose.ADMINISTRATION,
        object_type="importbatch",
        object_id=batch.pk,
    )
    return render(
        request,
        "imports/detail.html",
        {
            "batch": batch,
            "fmt": formats.format_for(batch.kind),
            "problems": problems,
            "shown": SHOWN_PROBLEMS,
            "error_status": ImportRow.Status.ERROR,
        },
    )


@role_required(Can.ADMINISTER)
def report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = batch_get(viewer=request.user, pk=pk)
    record(
        actor=request.user,
        action="import.report",
        purpose=Purpose.ADMINISTRATION,
        object_type="importbatch",
        object_id=batch.pk,
    )
    response = HttpResponse(
        services.report_csv(batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="import-{batch.pk}-rapport.csv"'
    )
    return response


@role_required(Can.ADMINISTER)
@require_POST
def commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = batch_get(viewer=request.user, pk=pk)
    try:
        services.commit_request(batch=batch, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("imports:detail", pk=batch.pk)

"""The municipal admin's model page: which model is active, fit or recalibrate as a
job with progress, compare a version with the reference, activate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.exceptions import ApplicationError
from citizens.selectors import target_group_list
from measurements.forms import ModelFitForm
from measurements.scoring import card, services
from measurements.scoring.versions import active_model
from measurements.selectors import (
    fit_jobs,
    model_version_get,
    model_version_list,
    recompute_job,
)


def _municipality(request: HttpRequest) -> int:
    return scope_for(request.user).municipality_id  # type: ignore[return-value]


def _list_page(request: HttpRequest, form: ModelFitForm) -> HttpResponse:
    m = _municipality(request)
    active = active_model(municipality_id=m)
    versions = model_version_list(viewer=request.user).order_by("-created_at")
    return render(
        request,
        "measurements/models.html",
        {
            "active": active,
            "recompute": recompute_job(version=active, municipality_id=m),
            "versions": [(v, card.held_out_c(v)) for v in versions],
            "jobs": fit_jobs(viewer=request.user),
            "form": form,
        },
    )


@role_required(Can.ADMINISTER)
def model_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, ModelFitForm())


@role_required(Can.ADMINISTER)
@require_POST
def model_fit(request: HttpRequest) -> HttpResponse:
    form = ModelFitForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form)
    try:
        services.model_fit_request(
            municipality_id=_municipality(request),
            kind=form.cleaned_data["kind"],
            validation=form.cleaned_data["validation"],
            seed=form.cleaned_data["seed"],
            cutoff=form.cleaned_data["cutoff"],
            by=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The model is being fitted. Follow the progress below.")
        )
    return redirect("models:list")


@role_required(Can.ADMINISTER)
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = model_version_get(viewer=request.user, pk=pk)
    labels = {g.code: g.label for g in target_group_list()}
    return render(
        request,
        "measurements/model_detail.html",
        {
            "version": version,
            "card": card.model_card(version, group_labels=labels),
            "is_active": active_model(municipality_id=_municipality(request)).pk
            == version.pk,
            "recompute": recompute_job(
                version=version, municipality_id=_municipality(request)
            ),
        },
    )


@role_required(Can.ADMINISTER)
@require_POST
def model_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = model_version_get(viewer=request.user, pk=pk)
    try:
        services.model_activate(
            version=version, by=request.user, municipality_id=_municipality(request)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "The model is active. Every round is being scored with it; the scores "
                "of the previous model are kept."
            ),
        )
    return redirect("models:detail", pk=version.pk)

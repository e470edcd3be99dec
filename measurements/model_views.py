"""The municipal admin's model page: which model is active, fit or recalibrate as a
job with progress, compare a version with the reference, activate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import get_scoped_or_404, is_municipal_admin, role_required
from bip.accounts.scoping import scope_for
from bip.exceptions import ApplicationError
from bip.jobs.models import Job
from citizens.models import TargetGroup
from measurements.forms import ModelFitForm
from measurements.scoring import card, services


def _municipality(request: HttpRequest) -> int:
    return scope_for(request.user).municipality_id  # type: ignore[return-value]


def _recompute_job(version: object, municipality_id: int) -> Job | None:
    """The recompute of every round started when the version was last activated. The
    shipped reference model is shared, so its job is found among the municipality's."""
    if getattr(version, "municipality_id", None) is not None:
        return version.recompute_job  # type: ignore[attr-defined]
    return (
        Job.objects.filter(
            municipality_id=municipality_id,
            kind="scores.recompute",
            params__trigger="activation",
            params__model_version_id=version.pk,  # type: ignore[attr-defined]
        )
        .order_by("-pk")
        .first()
    )


def _list_page(request: HttpRequest, form: ModelFitForm) -> HttpResponse:
    m = _municipality(request)
    jobs = Job.objects.filter(municipality_id=m, kind="models.fit").order_by(
        "-created_at"
    )[:5]
    active = services.active_model(municipality_id=m)
    versions = services.model_list(municipality_id=m).order_by("-created_at")
    return render(
        request,
        "measurements/models.html",
        {
            "active": active,
            "recompute": _recompute_job(active, m),
            "versions": [(v, card.held_out_c(v)) for v in versions],
            "jobs": jobs,
            "form": form,
        },
    )


@role_required(is_municipal_admin)
def model_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, ModelFitForm())


@role_required(is_municipal_admin)
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


@role_required(is_municipal_admin)
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_scoped_or_404(
        request,
        services.model_list(municipality_id=_municipality(request)).select_related(
            "recompute_job"
        ),
        pk,
    )
    labels = {g.code: g.label for g in TargetGroup.objects.all()}
    return render(
        request,
        "measurements/model_detail.html",
        {
            "version": version,
            "card": card.model_card(version, group_labels=labels),
            "is_active": services.active_model(
                municipality_id=_municipality(request)
            ).pk
            == version.pk,
            "recompute": _recompute_job(version, _municipality(request)),
        },
    )


@role_required(is_municipal_admin)
@require_POST
def model_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_scoped_or_404(
        request, services.model_list(municipality_id=_municipality(request)), pk
    )
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

"""The municipal admin's model page: which model is active, fit or recalibrate as a
job with progress, compare a version with the reference, activate."""

from __future__ import annotations

import math

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import get_scoped_or_404, is_municipal_admin, role_required
from bip.accounts.scoping import scope_for
from bip.exceptions import ApplicationError
from bip.jobs.models import Job
from measurements.scoring import services


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


@role_required(is_municipal_admin)
def model_list(request: HttpRequest) -> HttpResponse:
    m = _municipality(request)
    jobs = Job.objects.filter(municipality_id=m, kind="models.fit").order_by(
        "-created_at"
    )[:5]
    active = services.active_model(municipality_id=m)
    return render(
        request,
        "measurements/models.html",
        {
            "active": active,
            "recompute": _recompute_job(active, m),
            "versions": services.model_list(municipality_id=m).order_by("-created_at"),
            "jobs": jobs,
        },
    )


@role_required(is_municipal_admin)
@require_POST
def model_fit(request: HttpRequest) -> HttpResponse:
    try:
        services.model_fit_request(
            municipality_id=_municipality(request),
            kind=request.POST.get("kind", ""),
            by=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The model is being fitted. Follow the progress below.")
        )
    return redirect("models:list")


def odds_ratios(version: object) -> list[dict[str, object]]:
    rows = []
    for name, e in sorted(version.estimates.items()):  # type: ignore[attr-defined]
        if name in ("const",) or e.get("se") is None:
            continue
        est, se = e["estimate"], e["se"]
        rows.append(
            {
                "name": name,
                "or": math.exp(est),
                "low": math.exp(est - 1.96 * se),
                "high": math.exp(est + 1.96 * se),
            }
        )
    return rows


@role_required(is_municipal_admin)
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_scoped_or_404(
        request,
        services.model_list(municipality_id=_municipality(request)).select_related(
            "recompute_job"
        ),
        pk,
    )
    held = version.metrics.get("held_out", {})
    ref = version.metrics.get("held_out_reference", {})
    figures = [
        (_("C-statistic"), held.get("c_statistic"), ref.get("c_statistic")),
        (
            _("Calibration intercept"),
            held.get("calibration_intercept"),
            ref.get("calibration_intercept"),
        ),
        (
            _("Calibration slope"),
            held.get("calibration_slope"),
            ref.get("calibration_slope"),
        ),
        (_("Brier score"), held.get("brier"), ref.get("brier")),
        (_("Scaled Brier score"), held.get("scaled_brier"), ref.get("scaled_brier")),
    ]
    chart = {"deciles": held.get("deciles", [])}
    age_names = dict(enumerate(("18-24", "25-29", "30-39", "40-49", "50+")))
    by_group = [
        (
            _("Calibration by age band"),
            [
                (age_names.get(int(k), k), v)
                for k, v in sorted(held.get("by_age_band", {}).items())
            ],
        ),
        (
            _("Calibration by target group"),
            sorted(held.get("by_target_group", {}).items()),
        ),
    ]
    return render(
        request,
        "measurements/model_detail.html",
        {
            "version": version,
            "figures": figures,
            "odds": odds_ratios(version),
            "held": held,
            "chart": chart,
            "by_group": by_group,
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
    services.model_activate(
        version=version, by=request.user, municipality_id=_municipality(request)
    )
    messages.success(
        request,
        _(
            "The model is active. Every round is being scored with it; the scores of "
            "the previous model are kept."
        ),
    )
    return redirect("models:detail", pk=version.pk)

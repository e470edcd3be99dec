"""Model versions: fitting as a durable job, validation, activation (DESIGN sections 4
and 5). Recomputing stored scores after an activation is the scores' job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bip.audit.models import Purpose
from bip.audit.services import record
from bip.exceptions import ApplicationError
from bip.jobs import services as jobs
from measurements.models import ModelVersion
from measurements.scoring import fitting
from measurements.scoring.model import Coefficients
from measurements.scoring.panel import build_panel
from measurements.scoring.reference import reference_coefficients

HOLDOUT = 0.25


def coefficients_to_json(c: Coefficients) -> dict[str, Any]:
    return {
        "intercept": c.intercept,
        "features": dict(c.features),
        "time_bands": list(c.time_bands),
        "age_bands": list(c.age_bands),
        "target_groups": dict(c.target_groups),
    }


def coefficients_from_json(data: dict[str, Any]) -> Coefficients:
    return Coefficients(
        intercept=data["intercept"],
        features=data.get("features", {}),
        time_bands=tuple(data.get("time_bands", (0.0,) * 5)),
        age_bands=tuple(data.get("age_bands", (0.0,) * 5)),
        target_groups=data.get("target_groups", {}),
    )


def model_list(*, municipality_id: int) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(
        Q(municipality_id=municipality_id) | Q(municipality__isnull=True)
    )


def active_model(*, municipality_id: int) -> ModelVersion:
    """The municipality's active version, else the shipped reference model."""
    own = ModelVersion.objects.filter(
        municipality_id=municipality_id, active=True
    ).first()
    return own or ModelVersion.objects.get(municipality__isnull=True, active=True)


@transaction.atomic
def model_fit_request(*, municipality_id: int, kind: str, by: Any) -> Any:
    if kind not in (ModelVersion.Kind.LOCAL, ModelVersion.Kind.RECALIBRATED):
        raise ApplicationError(_("Unknown kind of model."))
    return jobs.enqueue(
        kind="models.fit",
        params={
            "kind": kind,
            "seed": int(timezone.now().timestamp()) % 100000,
            "language": translation.get_language() or "da",
        },
        municipality_id=municipality_id,
        requested_by=by,
        total=4,
    )


def _step(claim: Any) -> None:
    with transaction.atomic():
        claim.advance(progress=1)


def model_fit_job(claim: Any) -> None:
    """Build the panel, split by citizen, fit, validate on the held-out citizens and on
    the latest 12 months, and store an inactive version with its figures."""
    # a refusal is read by the admin who asked: in their language
    with translation.override(claim.job.params.get("language", "da")):
        _fit(claim)


def _fit(claim: Any) -> None:
    job = claim.job
    kind, seed = job.params["kind"], int(job.params["seed"])
    panel = build_panel(municipality_id=job.municipality_id)
    _step(claim)
    train, held = fitting.split_by_citizen(panel, fraction=HOLDOUT, seed=seed)
    reference = reference_coefficients()
    try:
        result = (
            fitting.fit_local(train)
            if kind == ModelVersion.Kind.LOCAL
            else fitting.recalibrate(train, reference)
        )
    except fitting.FitRefused as exc:
        claim.fail(str(exc))
        return
    _step(claim)
    latest = (
        panel[panel["round_date"] >= panel["round_date"].max() - timedelta(days=365)]
        if len(panel)
        else panel
    )
    metrics = {
        "held_out": fitting.validate(held, result.coefficients),
        "held_out_reference": fitting.validate(held, reference),
        "latest_12_months": fitting.validate(latest, result.coefficients, bootstrap=0),
        "training": {"n_rows": result.n_rows, "n_events": result.n_events},
    }
    _step(claim)
    version = ModelVersion.objects.create(
        municipality_id=job.municipality_id,
        kind=kind,
        coefficients=coefficients_to_json(result.coefficients),
        estimates={
            n: {"estimate": result.params[n], "se": result.se.get(n)}
            for n in result.params
        },
        metrics=json_safe(metrics),
        absent_features=result.absent,
        covariance=json_safe(result.covariance),
        reference_group=result.reference_group,
        split_seed=seed,
        holdout_fraction=HOLDOUT,
        n_rows=result.n_rows,
        n_events=result.n_events,
        trained_at=timezone.now(),
        job=job,
        created_by=job.requested_by,
    )
    claim.job.result = {"model_version_id": version.pk}
    _step(claim)


def json_safe(value: Any) -> Any:
    """JSON-safe: numpy numbers to floats, NaN to None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


@transaction.atomic
def model_activate(
    *, version: ModelVersion, by: Any, municipality_id: int
) -> ModelVersion:
    if version.municipality_id not in (None, municipality_id):
        raise ApplicationError(_("That model belongs to another municipality."))
    ModelVersion.objects.filter(municipality_id=municipality_id, active=True).update(
        active=False
    )
    if version.municipality_id == municipality_id:
        version.active = True
        version.save(update_fields=["active", "updated_at"])
    # activating the shipped reference: the municipality simply has no active own model
    from measurements.scoring.recompute import scores_request

    # an explicit, logged recompute of every round; old scores stay, under their version
    job = scores_request(
        municipality_id=municipality_id,
        trigger="activation",
        model_version_id=version.pk,
        by=by,
    )
    if version.municipality_id == municipality_id:
        version.recompute_job = job
        version.save(update_fields=["recompute_job", "updated_at"])
    record(
        actor=by,
        action="model.activate",
        purpose=Purpose.ADMINISTRATION,
        object_type="modelversion",
        object_id=version.pk,
        municipality_id=municipality_id,
        write=True,
    )
    return version

"""Model versions: fitting as a durable job, validation, activation (DESIGN sections 4
and 5). Recomputing stored scores after an activation is the scores' job."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bip.audit.models import Purpose
from bip.audit.services import record
from bip.exceptions import ApplicationError
from bip.jobs import services as jobs
from measurements.models import ModelVersion
from measurements.scoring import fitting
from measurements.scoring.checks import ModelUnusable
from measurements.scoring.panel import build_panel
from measurements.scoring.recompute import scores_request
from measurements.scoring.reference import reference_coefficients
from measurements.scoring.versions import (
    coefficients_from_json,
    coefficients_to_json,
    json_safe,
)

FIT_JOB = "models.fit"
HOLDOUT = 0.25
SEED_LIMIT = 1_000_000  # short enough to read off the model card and type again


@transaction.atomic
def model_fit_request(
    *,
    municipality_id: int,
    kind: str,
    by: Any,
    validation: str = ModelVersion.Validation.CITIZENS,
    seed: int | None = None,
    cutoff: date | None = None,
) -> Any:
    """A fit job. Held-out citizens are chosen with `seed` (a random one where none
    is given, kept in the job and on the version, so the fit can be repeated
    exactly); a temporal validation needs the cut-off date."""
    if kind not in (ModelVersion.Kind.LOCAL, ModelVersion.Kind.RECALIBRATED):
        raise ApplicationError(_("Unknown kind of model."))
    if validation not in ModelVersion.Validation.values:
        raise ApplicationError(_("Unknown kind of validation."))
    if validation == ModelVersion.Validation.TEMPORAL:
        if cutoff is None:
            raise ApplicationError(_("A temporal validation needs a cut-off date."))
        seed = None  # nothing random to seed: the split is by date
    elif seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    return jobs.enqueue(
        kind=FIT_JOB,
        params={
            "kind": kind,
            "validation": validation,
            "seed": seed,
            "cutoff": cutoff.isoformat() if cutoff else None,
            "language": translation.get_language() or "da",
        },
        municipality_id=municipality_id,
        requested_by=by,
        total=5,
    )


def _step(claim: Any) -> None:
    with transaction.atomic():
        claim.advance(progress=1)


def model_fit_job(claim: Any) -> None:
    """Build the panel, split it (held-out citizens or by date), fit on the training
    rows and validate on the rest, then fit again on all rows with known outcomes:
    the final fit's coefficients are the version's, the validation figures are the
    split fit's. Stores an inactive version with both."""
    # a refusal is read by the admin who asked: in their language
    with translation.override(claim.job.params.get("language", "da")):
        _fit(claim)


def _fit(claim: Any) -> None:
    job = claim.job
    stored = ModelVersion.objects.filter(job=job).first()
    if stored is not None:  # a rerun after the version was stored: nothing to do
        claim.job.result = {"model_version_id": stored.pk}
        return
    params = job.params
    kind = params["kind"]
    validation = params.get("validation") or ModelVersion.Validation.CITIZENS
    seed = params.get("seed")
    cutoff = date.fromisoformat(params["cutoff"]) if params.get("cutoff") else None
    panel = build_panel(municipality_id=job.municipality_id)
    _step(claim)
    if validation == ModelVersion.Validation.TEMPORAL:
        if cutoff is None:  # the form requires one: a job made another way
            raise ApplicationError(
                _("A validation on later rounds needs a cut-off date.")
            )
        train, held = fitting.split_by_date(panel, cutoff=cutoff)
    else:
        train, held = fitting.split_by_citizen(panel, fraction=HOLDOUT, seed=seed)
    reference = reference_coefficients()

    def fit(rows: Any) -> fitting.FitResult:
        if kind == ModelVersion.Kind.LOCAL:
            return fitting.fit_local(rows)
        return fitting.recalibrate(rows, reference)

    if fitting.fitting_rows(held).empty:
        claim.fail(
            _(
                "There are no rounds with known outcomes to validate on (after the "
                "cut-off date, or among the held-out citizens)."
            )
        )
        return
    try:
        split = fit(train)
    except fitting.FitRefused as exc:
        claim.fail(str(exc))
        return
    _step(claim)
    metrics = {
        "held_out": {
            **fitting.validate(held, split.coefficients),
            **_dates(fitting.fitting_rows(held)),
        },
        # the reference's figures on the same rows, for comparison (no interval)
        "held_out_reference": fitting.validate(held, reference, bootstrap=0),
    }
    _step(claim)
    try:
        final = fit(panel)
    except fitting.FitRefused as exc:
        claim.fail(
            _("The final fit on all rows was refused: %(reason)s")
            % {"reason": str(exc)}
        )
        return
    _step(claim)
    with transaction.atomic():
        version = ModelVersion.objects.create(
            municipality_id=job.municipality_id,
            kind=kind,
            coefficients=coefficients_to_json(final.coefficients),
            estimates=_estimates(final),
            metrics=json_safe(metrics),
            absent_features=final.absent,
            covariance=json_safe(final.covariance),
            reference_group=final.reference_group,
            levels=final.levels.to_json() if final.levels else {},
            validation=validation,
            split_seed=seed,
            holdout_fraction=HOLDOUT
            if validation == ModelVersion.Validation.CITIZENS
            else None,
            validation_cutoff=cutoff,
            validation_fit=json_safe(
                {
                    "n_rows": split.n_rows,
                    "n_events": split.n_events,
                    **_dates(fitting.fitting_rows(train)),
                    "estimates": _estimates(split),
                    "absent_features": split.absent,
                    "levels": split.levels.to_json() if split.levels else {},
                }
            ),
            n_rows=final.n_rows,
            n_events=final.n_events,
            trained_at=timezone.now(),
            job=job,
            created_by=job.requested_by,
        )
        claim.advance(progress=1)
    claim.job.result = {"model_version_id": version.pk}


def _estimates(result: fitting.FitResult) -> dict[str, Any]:
    return {
        n: {"estimate": result.params[n], "se": result.se.get(n)} for n in result.params
    }


def _dates(rows: Any) -> dict[str, str | None]:
    """The first and last round date of the rows a figure comes from."""
    if rows.empty:
        return {"first_round": None, "last_round": None}
    days = pd.to_datetime(rows["round_date"])
    return {
        "first_round": days.min().date().isoformat(),
        "last_round": days.max().date().isoformat(),
    }


@transaction.atomic
def model_activate(
    *, version: ModelVersion, by: Any, municipality_id: int
) -> ModelVersion:
    if version.municipality_id not in (None, municipality_id):
        raise ApplicationError(_("That model belongs to another municipality."))
    try:
        coefficients_from_json(version.coefficients)
    except ModelUnusable as exc:  # every round's recompute would fail with it
        raise ApplicationError(
            _("This version cannot be activated: %(reason)s") % {"reason": str(exc)}
        ) from exc
    ModelVersion.objects.filter(municipality_id=municipality_id, active=True).update(
        active=False
    )
    if version.municipality_id == municipality_id:
        version.active = True
        version.save(update_fields=["active", "updated_at"])
    # activating the shipped reference: the municipality simply has no active own model
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

"""Model versions as stored: their coefficients read and written, which version is
active, and values made safe for JSON. The layer below fitting, scoring and the
pages: it knows no jobs."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from measurements.models import ModelVersion
from measurements.scoring import checks
from measurements.scoring.checks import ModelUnusable
from measurements.scoring.model import Coefficients


def coefficients_to_json(c: Coefficients) -> dict[str, Any]:
    return {
        "intercept": c.intercept,
        "features": dict(c.features),
        "time_bands": list(c.time_bands),
        "age_bands": list(c.age_bands),
        "target_groups": dict(c.target_groups),
    }


def coefficients_from_json(data: Any) -> Coefficients:
    """The stored coefficients; raises ModelUnusable, saying what is wrong, where they
    cannot be read (a version stored by hand or by an old release: missing keys, text,
    NaN). Versions without bands or groups read as 0 there."""
    if not isinstance(data, dict):
        raise ModelUnusable(_("The stored coefficients are not readable."))
    wrong: list[str] = []

    def value(name: str, raw: Any) -> float:
        out = checks.number(raw)
        if out is None:
            wrong.append(name)
            return 0.0
        return out

    intercept = value("intercept", data.get("intercept"))
    features = data.get("features", {})
    groups = data.get("target_groups", {})
    if not isinstance(features, dict):
        wrong.append("features")
        features = {}
    if not isinstance(groups, dict):
        wrong.append("target_groups")
        groups = {}
    bands = {}
    for name in ("time_bands", "age_bands"):
        raw = data.get(name, [0.0] * 5)
        if not isinstance(raw, list) or len(raw) != 5:
            wrong.append(name)
            raw = [0.0] * 5
        bands[name] = tuple(value(f"{name}[{i}]", v) for i, v in enumerate(raw))
    out = Coefficients(
        intercept=intercept,
        features={str(k): value(str(k), v) for k, v in features.items()},
        time_bands=bands["time_bands"],
        age_bands=bands["age_bands"],
        target_groups={str(k): value(f"tg_{k}", v) for k, v in groups.items()},
    )
    if wrong:
        raise ModelUnusable(
            _("The stored coefficients are missing or not finite numbers: %(names)s.")
            % {"names": checks.columns_text(wrong)}
        )
    return out


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

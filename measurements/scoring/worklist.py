"""What to work on (DESIGN section 5, docs/model.md): for a citizen's latest round, the
indicators a person can act on, ranked by the gain in the citizen's own 12-month
probability from one step up on both respondents' ratings (capped at 5), each with
the gain's 95% interval, and the intervention types that went with progress on that
indicator in the municipality's own data.

Never listed: the case worker's own belief, time in the programme, a change of case
worker, background (age, target group); and no indicator whose coefficient for the
step is not positive or whose interval includes 0 (the reference model has no
intervals: there the coefficient must be positive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from measurements.indicators import INDICATORS
from measurements.scoring import checks
from measurements.scoring import features as F
from measurements.scoring.checks import ModelUnusable
from measurements.scoring.fitting import design
from measurements.scoring.levels import Levels
from measurements.scoring.model import (
    Coefficients,
    future_quarters,
    hazard,
    linear_predictor,
    probability_12m,
)
from measurements.scoring.reference import reference_coefficients

ACTIONABLE = tuple(i.code for i in INDICATORS if i.code != "cw_job_belief")
DRAWS = 4000
SEED = 20261129  # fixed: the same page shows the same interval every time
Z95 = 1.959964
TOP_TYPES = 3


@dataclass
class Suggestion:
    indicator: str
    stepped: list[str]  # the features one step up: cw_<code>, and cit_<code> if rated
    gain: float  # in the 12-month probability (0-1)
    coefficient: float  # log-odds of one step on the stepped ratings
    gain_low: float | None = None
    gain_high: float | None = None
    coefficient_low: float | None = None
    coefficient_high: float | None = None
    types: list[dict[str, Any]] = field(default_factory=list)
    too_few: int = 0  # intervention types with too few observations

    @property
    def who(self) -> str:
        """Whose rating goes up: "both", "caseworker" or "citizen"."""
        if len(self.stepped) > 1:
            return "both"
        return "citizen" if self.stepped[0].startswith("cit_") else "caseworker"


class Uncertainty:
    """Draws of the model's parameters and the design that maps rows onto them, for
    intervals of derived quantities. None for the reference model. Raises
    ModelUnusable, saying why, for a stored version whose estimates cannot give
    intervals (missing or not finite, a covariance that is not positive
    semi-definite, standard errors too large to mean anything): drawing from those
    gives every interval as 0.0 to 0.0."""

    def __init__(self, model: Any, c: Coefficients) -> None:
        self.model, self.c = model, c
        estimates = model.estimates if isinstance(model.estimates, dict) else {}
        covariance = model.covariance if isinstance(model.covariance, dict) else {}
        stored = covariance.get("names")
        names = stored if isinstance(stored, list) and stored else list(estimates)
        self.names = [str(n) for n in names if n in estimates]
        if not self.names:
            raise ModelUnusable(_("The model has no stored estimates."))
        pairs = {n: _estimate(estimates[n]) for n in self.names}
        wrong = [n for n in self.names if pairs[n][0] is None]
        if wrong:
            raise ModelUnusable(
                _("The estimates of %(columns)s are missing or not finite numbers.")
                % {"columns": checks.columns_text(wrong)}
            )
        theta = np.array([pairs[n][0] for n in self.names], dtype=float)
        matrix = covariance.get("matrix")
        if matrix and stored == self.names:
            sigma: Any = matrix
        else:  # a version fitted before covariances were stored: independent errors
            wrong = [n for n in self.names if pairs[n][1] is None]
            if wrong:
                raise ModelUnusable(
                    _(
                        "The standard errors of %(columns)s are missing or not finite "
                        "numbers."
                    )
                    % {"columns": checks.columns_text(wrong)}
                )
            sigma = np.diag([pairs[n][1] ** 2 for n in self.names])
        problem = checks.covariance_problem(self.names, sigma)
        if problem:
            raise ModelUnusable(problem)
        self.theta, self.sigma = theta, np.array(sigma, dtype=float)
        self.levels = _levels(model, c)
        rng = np.random.default_rng(SEED)
        self.draws = rng.multivariate_normal(
            theta, self.sigma, size=DRAWS, method="eigh"
        )

    @classmethod
    def of(cls, model: Any, c: Coefficients) -> Uncertainty | None:
        if model.kind == "reference":
            return None
        return cls(model, c)

    def design(self, rows: pd.DataFrame, bands: pd.Series) -> np.ndarray:
        rows = rows.assign(time_band=bands.to_numpy())
        if self.model.kind == "recalibrated":
            ref = linear_predictor(rows, reference_coefficients())
            return np.column_stack([np.ones(len(rows)), ref])
        X = design(rows, levels=self.levels)
        return X.reindex(columns=self.names, fill_value=0.0).to_numpy(dtype=float)


def _estimate(item: Any) -> tuple[float | None, float | None]:
    if not isinstance(item, dict):
        return None, None
    return checks.number(item.get("estimate")), checks.number(item.get("se"))


def _levels(model: Any, c: Coefficients) -> Levels:
    """The version's design: its stored levels, else (fitted before they were stored)
    every band against the first."""
    if not model.levels:
        return Levels.first_band_reference(
            target_groups=list(c.target_groups),
            reference_group=model.reference_group or "",
        )
    try:
        return Levels.from_json(model.levels)
    except ValueError as exc:
        raise ModelUnusable(
            _("The stored levels of the model cannot be read.")
        ) from exc


def candidates(
    row: pd.DataFrame, answered: set[str] | None = None
) -> tuple[pd.DataFrame, list[tuple[str, list[str]]]]:
    """The latest round's row, then one row per actionable indicator with both
    respondents' ratings one step up (capped at 5). A rating is stepped only where its
    respondent answered the indicator this round (`answered`: feature names; without
    it, the case worker's always and the citizen's if the citizen's part is in), never
    an imputed value. Indicators at the top are left out."""
    base = row.iloc[0]
    rows, steps = [base], []
    for code in ACTIONABLE:
        names = [f"cw_{code}"]
        if code in F.CITIZEN_INDICATORS and not int(base.get("cit_part_missing", 0)):
            names.append(f"cit_{code}")
        if answered is not None:
            names = [n for n in names if n in answered]
        stepped = base.copy()
        for n in names:
            stepped[n] = min(float(base[n]) + 1.0, 2.0)  # centred: 5 is +2
        moved = [n for n in names if stepped[n] != base[n]]
        if moved:
            rows.append(stepped)
            steps.append((code, moved))
    return pd.DataFrame(rows).reset_index(drop=True), steps


def suggestions(
    row: pd.DataFrame,
    model: Any,
    c: Coefficients,
    associations: dict[str, Any] | None = None,
    answered: set[str] | None = None,
) -> list[Suggestion]:
    """Ranked suggestions for one round's feature row (a one-row panel frame)."""
    frame, steps = candidates(row, answered)
    if not steps:
        return []
    p12 = probability_12m(frame, c)
    lp = linear_predictor(frame, c)
    uncertainty = Uncertainty.of(model, c)
    if uncertainty is not None:
        survive = np.ones((len(frame), DRAWS))
        d0 = None
        for k, (rows, bands) in enumerate(future_quarters(frame)):
            X = uncertainty.design(rows, bands)
            if k == 0:
                d0 = X
            survive *= 1.0 - hazard(X @ uncertainty.draws.T)
        p_draws = 1.0 - survive
    out = []
    for i, (code, names) in enumerate(steps, start=1):
        s = Suggestion(
            indicator=code,
            stepped=names,
            gain=float(p12[i] - p12[0]),
            coefficient=float(lp[i] - lp[0]),
        )
        if uncertainty is not None:
            d = d0[i] - d0[0]
            se = float(np.sqrt(max(d @ uncertainty.sigma @ d, 0.0)))
            s.coefficient_low = s.coefficient - Z95 * se
            s.coefficient_high = s.coefficient + Z95 * se
            gains = p_draws[i] - p_draws[0]
            s.gain_low, s.gain_high = (
                float(np.percentile(gains, 2.5)),
                float(np.percentile(gains, 97.5)),
            )
            if s.coefficient_low <= 0:
                continue  # the interval includes 0: not a recommendation
        if s.coefficient <= 0 or s.gain <= 0:
            continue
        s.types, s.too_few = _types(code, associations)
        out.append(s)
    return sorted(out, key=lambda s: -s.gain)


def _types(
    code: str, associations: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], int]:
    """The intervention types whose pairs with them went with more progress on the
    indicator than pairs without, ranked by the lower end of the simultaneous 95%
    interval over all types compared (only those whose whole interval is above 0:
    with 21 types, ordinary intervals would let about one through by chance); and how
    many had too few observations."""
    rows = (associations or {}).get("by_indicator", {}).get(code, [])
    labels = (associations or {}).get("labels", {})
    estimated = [r for r in rows if r.get("low") is not None]
    too_few = sum(1 for r in rows if r.get("low") is None and r.get("n", 0) > 0)
    good = sorted(
        (r for r in estimated if r.get("low_adj", r["low"]) > 0),
        key=lambda r: -r.get("low_adj", r["low"]),
    )
    return [
        {**r, "label": labels.get(r["code"], {})} for r in good[:TOP_TYPES]
    ], too_few

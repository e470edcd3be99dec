"""What to work on (DESIGN section 5, docs/model.md): for a citizen's latest round, the
indicators a person can act on, ranked by the gain in the citizen's own 12-month
probability from one step up on both respondents' ratings (capped at 5), each with
the gain's 95% interval, and the intervention types that went with progress on that
indicator in the municipality's own data.

Never listed: the case worker's own belief, time in the programme, a change of case
worker, background (age, target group); and no indicator whose coefficient for the
step is not positive or whose interval includes 0 (the reference model has no
intervals: there the coefficient must be positive).

The recompute job ranks the latest round of every spell it scores, many rounds at once
(`rank`), with one set of parameter draws per job, and stores the result with the
round's score (`to_json`); the citizen page only reads it (`from_json`) and adds the
intervention types from the municipality's latest associations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import translation
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
    linear_predictor,
    probability_12m,
)
from measurements.scoring.reference import reference_coefficients

ACTIONABLE = tuple(i.code for i in INDICATORS if i.code != "cw_job_belief")
DRAWS = 4000
SEED = 20261129  # fixed: the same version gives the same intervals in every run
Z95 = 1.959964
TOP_TYPES = 3
# Candidate rows per block of the draws: a block's matrices (rows x DRAWS floats)
# stay near 8 MB however many rounds a chunk holds.
BLOCK_ROWS = 256
# What a stored suggestion holds (the intervention types are added when shown).
STORED = (
    "indicator",
    "stepped",
    "gain",
    "coefficient",
    "gain_low",
    "gain_high",
    "coefficient_low",
    "coefficient_high",
)


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
    label: str = ""  # the indicator's name, set for the page

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
            sigma = np.diag([(pairs[n][1] or 0.0) ** 2 for n in self.names])
        problem = checks.covariance_problem(self.names, sigma)
        if problem:
            raise ModelUnusable(problem)
        self.theta, self.sigma = theta, np.array(sigma, dtype=float)
        self.levels = _levels(model, c)

    @cached_property
    def draws(self) -> np.ndarray:
        """DRAWS x parameters, made when first needed (the model card only checks
        that intervals can be computed)."""
        return draw_parameters(self.theta, self.sigma)

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


def draw_parameters(theta: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """The parameter draws of one version: a fixed seed, so every round and every run
    under the version get the same draws."""
    rng = np.random.default_rng(SEED)
    return rng.multivariate_normal(theta, sigma, size=DRAWS, method="eigh")


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


def basis(model: Any, c: Coefficients) -> tuple[Uncertainty | None, dict[str, str]]:
    """What every round's suggestions under the version share: its uncertainty (None
    for the reference model); or, where the version cannot give intervals, why, in
    every language of the installation (the page shows the reader's)."""
    try:
        return Uncertainty.of(model, c), {}
    except ModelUnusable:
        reasons = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                try:
                    Uncertainty(model, c)
                except ModelUnusable as exc:
                    reasons[code] = str(exc)
        return None, reasons


def candidates(
    rows: pd.DataFrame, answered: Sequence[set[str] | None] | None = None
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[str, list[str]]]]:
    """Many rounds' feature rows at once: the rows themselves, then per actionable
    indicator a copy of each row with both respondents' ratings one step up (capped at
    5); for each copy, the position of its round's row and (indicator, the stepped
    features). A rating is stepped only where its respondent answered the indicator
    that round (`answered`: per row, feature names; without it, the case worker's
    always and the citizen's if the citizen's part is in), never an imputed value.
    Copies where nothing moved (ratings at the top) are left out."""
    base = rows.reset_index(drop=True)
    n = len(base)
    answers = list(answered) if answered is not None else [None] * n
    citizen_in = base["cit_part_missing"].to_numpy(dtype=float) == 0
    frames: list[pd.DataFrame] = [base]
    owners: list[Any] = []
    steps: list[Any] = []
    for code in ACTIONABLE:
        names = [f"cw_{code}"]
        if code in F.CITIZEN_INDICATORS:
            names.append(f"cit_{code}")
        stepped = base.copy()
        moved = {}
        for name in names:
            allowed = np.array([a is None or name in a for a in answers], dtype=bool)
            if name.startswith("cit_"):
                allowed &= citizen_in
            old = base[name].to_numpy(dtype=float)
            new = np.where(allowed, np.minimum(old + 1.0, 2.0), old)  # centred: 5 is 2
            stepped[name] = new
            moved[name] = new != old
        mine = np.flatnonzero(np.logical_or.reduce(list(moved.values())))
        if len(mine):
            frames.append(stepped.iloc[mine])
            owners.extend(mine.tolist())
            steps.extend((code, [x for x in names if moved[x][i]]) for i in mine)
    frame = pd.concat(frames, ignore_index=True)
    return frame, np.asarray(owners, dtype=int), steps


def rank(
    rows: pd.DataFrame,
    c: Coefficients,
    uncertainty: Uncertainty | None,
    answered: Sequence[set[str] | None] | None = None,
) -> list[list[Suggestion]]:
    """Ranked suggestions, without intervention types, for many rounds' feature rows
    (panel rows) at once: one list per row, in the rows' order. Every row uses the
    same parameter draws, so a round gets the same suggestions alone or in a chunk."""
    n = len(rows)
    out: list[list[Suggestion]] = [[] for _ in range(n)]
    frame, owners, steps = candidates(rows, answered)
    if not steps:
        return out
    stepped = np.arange(n, len(frame))
    p12 = probability_12m(frame, c)
    lp = linear_predictor(frame, c)
    gains = p12[stepped] - p12[owners]
    coefficients = lp[stepped] - lp[owners]
    keep = (coefficients > 0) & (gains > 0)
    if uncertainty is not None:
        designs = [uncertainty.design(r, b) for r, b in future_quarters(frame)]
        d = designs[0][stepped] - designs[0][owners]
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, uncertainty.sigma, d), 0))
        low, high = coefficients - Z95 * se, coefficients + Z95 * se
        keep &= low > 0  # the interval includes 0: not a recommendation
        # the gains' intervals, the costly part, only for what the rules keep
        gain_low, gain_high = _gain_intervals(designs, owners, keep, uncertainty.draws)
    for j in np.flatnonzero(keep):
        code, names = steps[j]
        s = Suggestion(
            indicator=code,
            stepped=names,
            gain=float(gains[j]),
            coefficient=float(coefficients[j]),
        )
        if uncertainty is not None:
            s.coefficient_low, s.coefficient_high = float(low[j]), float(high[j])
            s.gain_low, s.gain_high = float(gain_low[j]), float(gain_high[j])
        out[owners[j]].append(s)
    return [sorted(found, key=lambda s: -s.gain) for found in out]


def _gain_intervals(
    designs: list[np.ndarray], owners: np.ndarray, keep: np.ndarray, draws: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The 2.5th and 97.5th percentiles of the gain over the draws, for the stepped
    rows kept (NaN for the others). Applied in blocks of stepped rows grouped by
    round, so memory does not grow with the chunk."""
    n = len(designs[0]) - len(owners)
    low, high = np.full(len(owners), np.nan), np.full(len(owners), np.nan)
    kept = np.flatnonzero(keep)
    kept = kept[np.argsort(owners[kept], kind="stable")]
    for start in range(0, len(kept), BLOCK_ROWS):
        block = kept[start : start + BLOCK_ROWS]
        mine, where = np.unique(owners[block], return_inverse=True)
        gains = _p12_draws(designs, n + block, draws)
        gains -= _p12_draws(designs, mine, draws)[where]
        low[block], high[block] = np.percentile(gains, [2.5, 97.5], axis=1)
    return low, high


def _p12_draws(designs: list[np.ndarray], rows: np.ndarray, draws: np.ndarray) -> Any:
    """The 12-month probability of the given rows under every draw (rows x draws):
    1 - prod_k (1 - h_k), with 1 - h = 1 / (1 + exp(lp)) computed in place, as the
    arrays are the largest the recompute makes."""
    survive = np.ones((len(rows), len(draws)))
    for X in designs:
        z = X[rows] @ draws.T
        np.exp(z, out=z)
        z += 1.0
        survive /= z
    return np.subtract(1.0, survive, out=survive)


def suggestions(
    row: pd.DataFrame,
    model: Any,
    c: Coefficients,
    associations: dict[str, Any] | None = None,
    answered: set[str] | None = None,
) -> list[Suggestion]:
    """Ranked suggestions for one round's feature row (a one-row panel frame), with
    the intervention types that went with progress."""
    found = rank(
        row,
        c,
        Uncertainty.of(model, c),
        None if answered is None else [answered],
    )[0]
    return with_types(found, associations)


def with_types(
    found: list[Suggestion], associations: dict[str, Any] | None
) -> list[Suggestion]:
    for s in found:
        s.types, s.too_few = _types(s.indicator, associations)
    return found


def to_json(found: list[Suggestion]) -> list[dict[str, Any]]:
    """For storage with the round's score: everything but the intervention types,
    which change with the municipality's associations, not with the round."""
    return [{name: getattr(s, name) for name in STORED} for s in found]


def from_json(items: Any) -> list[Suggestion]:
    return [Suggestion(**{name: item.get(name) for name in STORED}) for item in items]


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

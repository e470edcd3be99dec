"""Fitting local models on a municipality's own panel (statsmodels GLM, binomial,
logit link, standard errors clustered by citizen), recalibrating the reference model,
and validating on held-out citizens or on later rounds (DESIGN section 5).

Before a fit, levels too small to estimate are merged (levels.py); a design that is
still rank-deficient, and an estimated covariance that cannot give intervals, refuse
the fit with the columns named (checks.py)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from measurements.scoring import checks
from measurements.scoring import features as F
from measurements.scoring import levels as L
from measurements.scoring.model import Coefficients, hazard, linear_predictor

EVENTS_PER_PARAMETER = 10
MIN_EVENTS_RECALIBRATION = 50
BASE_FEATURES = (*F.CIT, *F.CW, *F.FLAGS)


class FitRefused(Exception):
    """Too little data, or data that cannot identify the model: the figures say why."""


@dataclass
class FitResult:
    coefficients: Coefficients
    names: list[str]
    params: dict[str, float]
    se: dict[str, float]
    se_naive: dict[str, float]
    absent: list[str]
    reference_group: str
    n_rows: int
    n_events: int
    metrics: dict[str, Any] = field(default_factory=dict)
    # the (clustered) covariance of the estimates: {"names": [...], "matrix": [[...]]}
    covariance: dict[str, Any] = field(default_factory=dict)
    # the levels estimated, merged and left out (a local fit only)
    levels: L.Levels | None = None


def fitting_rows(panel: pd.DataFrame) -> pd.DataFrame:
    return panel[panel["censored"] == 0]


def split_by_citizen(
    panel: pd.DataFrame, *, fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    citizens = np.sort(panel["citizen_id"].unique())
    rng = np.random.default_rng(seed)
    held = set(
        rng.choice(
            citizens, size=max(1, round(len(citizens) * fraction)), replace=False
        ).tolist()
    )
    mask = panel["citizen_id"].isin(held)
    return panel[~mask], panel[mask]


def split_by_date(
    panel: pd.DataFrame, *, cutoff: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Temporal validation: fit on what was known on the cut-off date, the rounds
    whose 91-day window ended by then (so no outcome after the cut-off is used);
    validate on the rounds dated on or after it. Rounds in the last window before
    the cut-off are in neither."""
    day = pd.to_datetime(panel["round_date"])
    cut = pd.Timestamp(cutoff)
    known = day + pd.Timedelta(days=F.WINDOW_DAYS) <= cut
    return panel[known.to_numpy()], panel[(day >= cut).to_numpy()]


def design(
    panel: pd.DataFrame, *, levels: L.Levels, extra: tuple[str, ...] = ()
) -> pd.DataFrame:
    X = pd.DataFrame(index=panel.index)
    X["const"] = 1.0
    left_out = levels.left_out_names()
    for name in (*BASE_FEATURES, *extra):
        if name in panel and name not in left_out:
            X[name] = panel[name].astype(float)
    for factor, column, group in levels.columns():
        X[column] = panel[factor].isin(group).to_numpy(dtype=float)
    return X


def _check_covariance(fit: Any) -> dict[str, Any]:
    covariance = _covariance(fit)
    problem = checks.covariance_problem(covariance["names"], covariance["matrix"])
    if problem:
        raise FitRefused(problem)
    return covariance


def fit_local(train: pd.DataFrame, *, extra: tuple[str, ...] = ()) -> FitResult:
    # imported here: statsmodels takes seconds to load, and only fits need it
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    train = fitting_rows(train)
    levels = L.choose(train)
    X = design(train, levels=levels, extra=extra)
    absent = [c for c in X.columns if c != "const" and X[c].std() == 0]
    X = X.drop(columns=absent)
    y = train["event"].to_numpy()
    n_events = int(y.sum())
    needed = EVENTS_PER_PARAMETER * X.shape[1]
    if n_events < needed:
        raise FitRefused(
            _(
                "A full local fit needs at least %(per)s events per parameter: %(p)s parameters "
                "need %(needed)s events, the training data has %(n)s."
            )
            % {
                "per": EVENTS_PER_PARAMETER,
                "p": X.shape[1],
                "needed": needed,
                "n": n_events,
            }
        )
    dependent = checks.dependent_columns(X)
    if dependent:
        raise FitRefused(checks.rank_message(dependent))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            model = sm.GLM(y, X, family=sm.families.Binomial())
            naive = model.fit()
            # the same estimates: started there, the clustered fit takes one step
            clustered = model.fit(
                start_params=naive.params,
                cov_type="cluster",
                cov_kwds={"groups": train["citizen_id"].to_numpy()},
            )
        except (PerfectSeparationWarning, np.linalg.LinAlgError) as exc:
            raise FitRefused(
                _(
                    "The data separate the outcome perfectly for some feature (for example a "
                    "group where everyone or no one got a job), so the model cannot be estimated."
                )
            ) from exc
    covariance = _check_covariance(clustered)
    params = clustered.params.to_dict()
    coefficients = Coefficients(
        intercept=params["const"],
        features={n: params[n] for n in (*BASE_FEATURES, *extra) if n in params},
        time_bands=levels.band_values("time_band", params),
        age_bands=levels.band_values("age_band", params),
        target_groups=levels.group_values(params),
    )
    return FitResult(
        coefficients=coefficients,
        names=list(X.columns),
        params=params,
        se=clustered.bse.to_dict(),
        se_naive=naive.bse.to_dict(),
        absent=absent,
        reference_group=levels.reference_group,
        n_rows=len(train),
        n_events=n_events,
        covariance=covariance,
        levels=levels,
    )


def recalibrate(train: pd.DataFrame, reference: Coefficients) -> FitResult:
    """Intercept and slope on the reference model's linear predictor."""
    # imported here: statsmodels takes seconds to load, and only fits need it
    import statsmodels.api as sm

    train = fitting_rows(train)
    y = train["event"].to_numpy()
    if y.sum() < MIN_EVENTS_RECALIBRATION:
        raise FitRefused(
            _(
                "Recalibration needs at least %(min)s events; the training data has %(n)s."
            )
            % {"min": MIN_EVENTS_RECALIBRATION, "n": int(y.sum())}
        )
    lp = linear_predictor(train, reference)
    X = pd.DataFrame({"const": 1.0, "slope": lp}, index=train.index)
    dependent = checks.dependent_columns(X)
    if dependent:
        raise FitRefused(checks.rank_message(dependent))
    fit = sm.GLM(y, X, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": train["citizen_id"].to_numpy()}
    )
    covariance = _check_covariance(fit)
    a, b = float(fit.params["const"]), float(fit.params["slope"])
    scaled = Coefficients(
        intercept=a + b * reference.intercept,
        features={k: b * v for k, v in reference.features.items()},
        time_bands=tuple(b * v for v in reference.time_bands),
        age_bands=tuple(b * v for v in reference.age_bands),
        target_groups={k: b * v for k, v in reference.target_groups.items()},
    )
    return FitResult(
        coefficients=scaled,
        names=["const", "slope"],
        params={"const": a, "slope": b},
        se=fit.bse.to_dict(),
        se_naive={},
        absent=[],
        reference_group="",
        n_rows=len(train),
        n_events=int(y.sum()),
        covariance=covariance,
    )


def _covariance(fit: Any) -> dict[str, Any]:
    cov = fit.cov_params()
    return {"names": list(cov.columns), "matrix": cov.to_numpy().tolist()}


# --- Validation ---


def c_statistic(y: np.ndarray, p: np.ndarray) -> float:
    """The area under the ROC curve, by ranks (ties averaged)."""
    y = np.asarray(y)
    pos, neg = y.sum(), len(y) - y.sum()
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = pd.Series(p).rank(method="average").to_numpy()
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def calibration(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Calibration intercept and slope: logistic regression of y on logit(p)."""
    # imported here: statsmodels takes seconds to load, and only fits need it
    import statsmodels.api as sm

    p = np.clip(p, 1e-9, 1 - 1e-9)
    X = pd.DataFrame({"const": 1.0, "lp": np.log(p / (1 - p))})
    fit = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    return float(fit.params["const"]), float(fit.params["lp"])


def validate(
    rows: pd.DataFrame, c: Coefficients, *, bootstrap: int = 200, seed: int = 0
) -> dict[str, Any]:
    rows = fitting_rows(rows)
    y = rows["event"].to_numpy()
    p = hazard(linear_predictor(rows, c))
    base = y.mean() if len(y) else float("nan")
    brier = float(np.mean((p - y) ** 2)) if len(y) else float("nan")
    out: dict[str, Any] = {
        "n_rows": len(y),
        "n_events": int(y.sum()),
        "c_statistic": c_statistic(y, p),
        "brier": brier,
        "scaled_brier": 1 - brier / (base * (1 - base))
        if 0 < base < 1
        else float("nan"),
    }
    if y.sum() >= 5 and len(y) - y.sum() >= 5:
        out["calibration_intercept"], out["calibration_slope"] = calibration(y, p)
    # C-statistic interval: bootstrap by citizen
    if bootstrap and y.sum() >= 5:
        rng = np.random.default_rng(seed)
        ids = rows["citizen_id"].to_numpy()
        unique = np.unique(ids)
        index = {cid: np.flatnonzero(ids == cid) for cid in unique}
        stats = []
        for _ in range(bootstrap):
            take = np.concatenate(
                [index[cid] for cid in rng.choice(unique, size=len(unique))]
            )
            stats.append(c_statistic(y[take], p[take]))
        stats = [s for s in stats if not np.isnan(s)]
        if stats:
            out["c_statistic_ci"] = [
                float(np.percentile(stats, 2.5)),
                float(np.percentile(stats, 97.5)),
            ]
    # calibration table by decile of predicted risk
    if len(y) >= 10:
        deciles = pd.qcut(pd.Series(p).rank(method="first"), 10, labels=False)
        table = (
            pd.DataFrame({"d": deciles.to_numpy(), "p": p, "y": y})
            .groupby("d")
            .agg(n=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
        )
        out["deciles"] = table.reset_index().to_dict("records")
    for by in ("age_band", "target_group"):
        g = (
            pd.DataFrame({"k": rows[by].to_numpy(), "p": p, "y": y})
            .groupby("k")
            .agg(n=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
        )
        out[f"by_{by}"] = {str(k): v for k, v in g.to_dict("index").items()}
    return out

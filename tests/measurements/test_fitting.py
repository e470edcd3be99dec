"""Local fits on synthetic cohorts with known truth, in memory, fixed seeds."""

from __future__ import annotations

import numpy as np
import pytest

from measurements.scoring.fitting import (
    FitRefused,
    fit_local,
    hazard,
    recalibrate,
    split_by_citizen,
    validate,
)
from measurements.scoring.model import linear_predictor
from measurements.scoring.reference import reference_coefficients
from measurements.synthetic.cohort import generate, true_params

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def cohort():
    return generate(n_citizens=8000, seed=20261126)


@pytest.fixture(scope="module")
def fitted(cohort):
    train, held = split_by_citizen(cohort.panel, fraction=0.25, seed=7)
    return fit_local(train), train, held


def test_recovery_of_the_true_coefficients(cohort, fitted):
    fit, _train, _held = fitted
    assert fit.levels.merged == ()  # every level of this cohort is well populated
    truth = true_params(cohort.truth, fit.levels)
    assert "const" in truth
    covered, checked = 0, 0
    for name, params in fit.params.items():
        true = truth.get(name, 0.0)
        z = abs(params - true) / fit.se[name]
        assert z < 4, (name, params, true, fit.se[name])
        covered += z < 1.96
        checked += 1
    assert covered / checked >= 0.8


def test_references_are_the_most_populated_levels(cohort, fitted):
    fit, train, _held = fitted
    levels = fit.levels
    for factor in ("time_band", "age_band"):
        biggest = int(train[factor].value_counts().idxmax())
        assert levels.factor(factor).groups[levels.factor(factor).reference] == (
            biggest,
        )
        assert getattr(fit.coefficients, f"{factor[:-5]}_bands")[biggest] == 0.0
    assert fit.reference_group == train["target_group"].value_counts().idxmax()


def test_held_out_calibration_and_discrimination(cohort, fitted):
    fit, _train, held = fitted
    metrics = validate(held, fit.coefficients, bootstrap=50)
    assert 0.85 <= metrics["calibration_slope"] <= 1.15
    y = held["event"].to_numpy()
    from measurements.scoring.fitting import c_statistic

    true_c = c_statistic(y, hazard(held["true_lp"].to_numpy()))
    assert abs(metrics["c_statistic"] - true_c) <= 0.02
    assert (
        metrics["c_statistic_ci"][0]
        < metrics["c_statistic"]
        < metrics["c_statistic_ci"][1]
    )
    assert len(metrics["deciles"]) == 10
    assert 0 < metrics["brier"] < 0.1


def test_reference_model_is_validated_on_the_same_rows(cohort, fitted):
    _fit, _train, held = fitted
    ref = validate(held, reference_coefficients(), bootstrap=0)
    assert ref["n_rows"] == len(held[held["censored"] == 0])
    assert 0.5 < ref["c_statistic"] < 1


def test_clustered_errors_exceed_naive_with_a_random_effect():
    """A citizen followed over repeated spells (a short job, then enrolled again):
    with a random effect the rows of one citizen are correlated and the clustered
    standard error of a time-invariant covariate must be larger. (Where follow-up
    stops at the first event the score terms are martingale differences and
    clustering changes little; that case is not what this checks.)"""
    from dataclasses import replace

    from measurements.scoring.model import logit, quarterly_from_annual
    from measurements.synthetic.cohort import true_coefficients

    truth = replace(true_coefficients(), intercept=logit(quarterly_from_annual(0.25)))
    cohort = generate(
        n_citizens=4000,
        seed=11,
        random_effect_sd=0.7,
        time_invariant=0.3,
        stop_at_event=False,
        truth=truth,
    )
    fit = fit_local(cohort.panel, extra=("tic",))
    assert fit.se["tic"] >= 1.10 * fit.se_naive["tic"]


def test_too_few_events_refuses_with_the_figures():
    small = generate(n_citizens=150, seed=3)
    with pytest.raises(FitRefused, match=r"kræver \d+ hændelser, træningsdata har \d+"):
        fit_local(small.panel)


def test_a_feature_missing_from_the_data_still_fits(cohort):
    panel = cohort.panel.assign(cw_change=0)
    fit = fit_local(panel)
    assert "cw_change" in fit.absent
    assert "cw_change" not in fit.coefficients.features


def test_recalibration_fits_intercept_and_slope(cohort):
    fit = recalibrate(cohort.panel, reference_coefficients())
    assert set(fit.params) == {"const", "slope"}
    recal = validate(cohort.panel, fit.coefficients, bootstrap=0)
    assert abs(recal["calibration_slope"] - 1) < 0.05
    assert np.isfinite(linear_predictor(cohort.panel, fit.coefficients)).all()


def test_a_group_without_events_is_merged_not_estimated(cohort):
    panel = cohort.panel.copy()
    rows = panel.index[:400]
    panel.loc[rows, "target_group"] = "fleksjob"
    panel.loc[rows, "event"] = 0
    fit = fit_local(panel)
    assert "fleksjob" not in fit.coefficients.target_groups

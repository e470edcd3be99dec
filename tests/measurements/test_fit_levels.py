"""Fits on a municipality's real shape of data (DESIGN section 5): levels of time, age
and target group with too few rows or events are merged and recorded, the reference
of each factor is its most populated level, and a design that is still
rank-deficient, or a covariance that cannot give intervals, refuses the fit with the
columns named. In memory, fixed seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from measurements.models import ModelVersion
from measurements.scoring import checks, fitting
from measurements.scoring.fitting import FitRefused, fit_local
from measurements.scoring.model import linear_predictor
from measurements.scoring.versions import coefficients_to_json, json_safe
from measurements.scoring.worklist import Uncertainty
from measurements.synthetic.cohort import generate

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def panel():
    return generate(n_citizens=3000, seed=20261130).panel


def assert_estimable(fit):
    """Every standard error finite and small enough to mean something, and a
    covariance that gives intervals."""
    assert all(0 < se < checks.MAX_SE for se in fit.se.values()), fit.se
    assert (
        checks.covariance_problem(fit.covariance["names"], fit.covariance["matrix"])
        is None
    )


def one_row(**values):
    row = {
        "months_in_programme": 7.0,
        "time_band": 2,
        "age_band": 2,
        "target_group": "kontant_aktivitetsparat",
        "cw_change": 0,
    }
    row.update(values)
    return pd.DataFrame([row])


def stored(fit):
    """The version the fit job would store (unsaved)."""
    return ModelVersion(
        kind="local",
        coefficients=coefficients_to_json(fit.coefficients),
        estimates={n: {"estimate": fit.params[n], "se": fit.se[n]} for n in fit.params},
        covariance=json_safe(fit.covariance),
        levels=fit.levels.to_json(),
        reference_group=fit.reference_group,
    )


def test_no_one_under_25_merges_the_band_into_its_neighbour(panel):
    fit = fit_local(panel[panel["age_band"] > 0])
    assert {
        "factor": "age_band",
        "level": [0],
        "into": [1],
        "rows": 0,
        "events": 0,
    } in fit.levels.merged
    assert "age_18_30" in fit.params  # 18-24 and 25-29 estimated together
    assert "age_18_25" not in fit.params
    assert_estimable(fit)
    # the reference is the most populated band, not the empty first one
    ages = fit.coefficients.age_bands
    assert ages[4] == 0.0
    assert ages[0] == ages[1] == fit.params["age_18_30"]
    # a citizen who turns up aged 20 scores as 25-29, not as the reference
    young, older = one_row(age_band=0), one_row(age_band=1)
    assert linear_predictor(young, fit.coefficients)[0] == pytest.approx(
        linear_predictor(older, fit.coefficients)[0]
    )
    # the design behind the intervals of "what to work on" maps the young row onto
    # the merged column and agrees with the scoring
    version = stored(fit)
    u = Uncertainty(version, fit.coefficients)
    X = u.design(young, young["time_band"])
    assert X[0, u.names.index("age_18_30")] == 1.0
    assert X[0] @ u.theta == pytest.approx(linear_predictor(young, fit.coefficients)[0])


def test_a_target_group_without_rows_or_with_few_is_the_reference(panel):
    data = panel[panel["target_group"] != "jobafklaring"].copy()
    few = data.index[data["target_group"] == "sygedagpenge"][:30]
    data.loc[few, "target_group"] = "fleksjob"
    fit = fit_local(data)
    merge = next(m for m in fit.levels.merged if m["factor"] == "target_group")
    assert merge["level"] == ["fleksjob"]
    assert merge["into"] == [fit.reference_group] == ["kontant_aktivitetsparat"]
    assert merge["rows"] == 30
    assert set(fit.coefficients.target_groups) == {
        "sygedagpenge",
        "uddannelse_aktivitetsparat",
    }
    assert_estimable(fit)
    reference = linear_predictor(one_row(), fit.coefficients)[0]
    for group in ("jobafklaring", "fleksjob"):
        lp = linear_predictor(one_row(target_group=group), fit.coefficients)[0]
        assert lp == pytest.approx(reference)


def test_a_band_without_events_is_merged(panel):
    data = panel.copy()
    data.loc[data["time_band"] == 4, "event"] = 0
    fit = fit_local(data)
    merge = next(m for m in fit.levels.merged if m["factor"] == "time_band")
    assert merge["level"] == [4]
    assert merge["into"] == [3]
    assert merge["events"] == 0
    assert merge["rows"] == int((data["time_band"] == 4).sum())
    times = fit.coefficients.time_bands
    assert times[4] == times[3]
    assert_estimable(fit)


def test_a_flag_on_too_few_rows_is_left_out(panel):
    data = panel.assign(cw_change=0)
    data.loc[data.index[data["event"] == 0][:30], "cw_change"] = 1
    fit = fit_local(data)
    assert fit.levels.left_out == (
        {
            "feature": "cw_change",
            "rows": 30,
            "events": 0,
            "rows_without": len(data) - 30,
            "events_without": int(data["event"].sum()),
        },
    )
    assert "cw_change" not in fit.params
    assert "cw_change" not in fit.coefficients.features
    assert_estimable(fit)


def test_a_rank_deficient_design_is_refused_naming_the_columns(panel):
    copied = panel.assign(cw_network=panel["cw_contact"])
    with pytest.raises(FitRefused) as refused:
        fit_local(copied)
    message = str(refused.value)
    assert "afhænger lineært af hinanden" in message
    assert "cw_contact" in message
    assert "cw_network" in message
    assert "cw_goal_directed" not in message
    # a target group that is exactly one age band cannot be told apart from it
    bands = panel.assign(
        target_group=np.where(panel["age_band"] == 2, "sygedagpenge", "jobafklaring")
    )
    with pytest.raises(FitRefused) as refused:
        fit_local(bands)
    assert "age_30_40" in str(refused.value)
    assert "tg_sygedagpenge" in str(refused.value)


def test_the_covariance_check_names_the_columns():
    names = ["const", "cw_contact", "tg_x"]
    good = np.diag([0.01, 0.02, 0.03])
    assert checks.covariance_problem(names, good) is None
    not_psd = good.copy()
    not_psd[1, 2] = not_psd[2, 1] = 0.5  # a correlation far above 1
    problem = checks.covariance_problem(names, not_psd)
    assert "ikke positivt semidefinit" in problem
    assert "cw_contact, tg_x" in problem
    assert "const" not in problem
    wide = np.diag([0.01, 1e14, 0.03])  # a standard error of 10^7
    assert "cw_contact" in checks.covariance_problem(names, wide)
    assert "tg_x" not in checks.covariance_problem(names, wide)
    nan = good.copy()
    nan[2, 2] = np.nan
    assert "tg_x" in checks.covariance_problem(names, nan)
    assert "passer ikke" in checks.covariance_problem(names, good[:2, :2])


def test_a_fit_whose_covariance_is_not_positive_semi_definite_is_refused(
    panel, monkeypatch
):
    real = fitting._covariance

    def broken(fit):
        out = real(fit)
        names = out["names"]
        matrix = np.array(out["matrix"])
        i, j = names.index("cw_contact"), names.index("cw_network")
        matrix[i, j] = matrix[j, i] = 10 * np.sqrt(matrix[i, i] * matrix[j, j])
        return {"names": names, "matrix": matrix.tolist()}

    monkeypatch.setattr(fitting, "_covariance", broken)
    with pytest.raises(FitRefused, match="cw_contact, cw_network"):
        fit_local(panel)

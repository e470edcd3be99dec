"""What to work on (DESIGN section 5): only indicators a person can act on, ranked by
the gain in the citizen's own 12-month probability; never the case worker's belief,
time or background; never an indicator whose interval includes 0 or whose coefficient
is not positive; intervention types from the municipality's associations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from measurements.models import ModelVersion
from measurements.scoring import features as F
from measurements.scoring.model import Coefficients, probability_12m
from measurements.scoring.reference import reference_coefficients
from measurements.scoring.versions import coefficients_to_json
from measurements.scoring.worklist import suggestions

NEVER = {"cw_job_belief"}


def row(**values):
    """One round's features: every rating 3 (centred 0) unless given (1-5)."""
    data = {name: 0.0 for name in (*F.CIT, *F.CW)}
    data.update({k: v - 3.0 for k, v in values.items()})
    data.update(
        miss_cit=0,
        miss_cw=0,
        cit_part_missing=0,
        cw_change=0,
        months_in_programme=7.0,
        time_band=2,
        age_band=1,
        target_group="kontant_aktivitetsparat",
    )
    return pd.DataFrame([data])


def reference_model():
    return ModelVersion(kind="reference"), reference_coefficients()


def test_reference_model_lists_only_positive_actionable_indicators():
    model, c = reference_model()
    found = suggestions(row(cw_cw_job_belief=1), model, c)
    codes = [s.indicator for s in found]
    # the case worker's belief has the largest coefficient, and is never listed
    assert not NEVER & set(codes)
    assert set(codes) == {
        "labour_market_knowledge",  # named for both respondents
        "health_coping",
        "self_efficacy",
        "cooperation",
        "job_search",
        "goal_directed",
    }
    # both ratings up on knowledge: two named steps, the largest gain
    assert codes[0] == "labour_market_knowledge"
    assert found[0].coefficient == pytest.approx(2 * math.log(1.10))
    assert found[0].gain_low is None  # the reference model has no intervals
    # the gain is the citizen's own 12-month probability, by hand
    base = row(cw_cw_job_belief=1)
    up = row(
        cw_cw_job_belief=1, cw_labour_market_knowledge=4, cit_labour_market_knowledge=4
    )
    expected = probability_12m(up, c)[0] - probability_12m(base, c)[0]
    assert found[0].gain == pytest.approx(expected)


def test_ratings_at_the_top_have_nothing_to_gain():
    model, c = reference_model()
    top = {f"{p}_{code}": 5 for p in ("cit", "cw") for code in F.CASEWORKER_INDICATORS}
    top = {k: v for k, v in top.items() if k in (*F.CIT, *F.CW)}
    assert suggestions(row(**top), model, c) == []


def test_missing_citizen_part_steps_only_the_case_workers_rating():
    model, c = reference_model()
    base = row()
    base["cit_part_missing"] = 1
    found = {s.indicator: s for s in suggestions(base, model, c)}
    assert found["labour_market_knowledge"].stepped == ["cw_labour_market_knowledge"]
    assert "health_coping" not in found  # only the citizen's rating has weight there


def local_model(estimates: dict[str, tuple[float, float]]):
    """A local model with independent errors: name -> (estimate, SE)."""
    names = ["const", *estimates]
    est = {"const": (-4.0, 0.001), **estimates}
    version = ModelVersion(
        kind="local",
        estimates={n: {"estimate": e, "se": s} for n, (e, s) in est.items()},
        covariance={
            "names": names,
            "matrix": np.diag([est[n][1] ** 2 for n in names]).tolist(),
        },
    )
    c = Coefficients(
        intercept=-4.0, features={n: e for n, (e, _s) in estimates.items()}
    )
    version.coefficients = coefficients_to_json(c)
    return version, c


def test_local_model_leaves_out_intervals_that_include_zero():
    model, c = local_model(
        {
            "cw_cw_job_belief": (0.9, 0.05),  # large and certain: still never listed
            "cw_network": (0.3, 0.05),  # clear
            "cw_contact": (0.3, 0.2),  # interval includes 0
            "cit_everyday_coping": (-0.2, 0.05),  # negative
            "cw_change": (-0.5, 0.1),  # not an indicator
        }
    )
    found = suggestions(row(), model, c)
    assert [s.indicator for s in found] == ["network"]
    s = found[0]
    assert s.coefficient_low > 0
    assert s.gain_low < s.gain < s.gain_high
    assert s.gain_low > 0
    # the interval is the spread of the gain over the parameter's uncertainty
    lo = (
        probability_12m(
            row(cw_network=4), Coefficients(-4.0, {"cw_network": 0.3 - 1.96 * 0.05})
        )[0]
        - probability_12m(row(), Coefficients(-4.0, {}))[0]
    )
    assert s.gain_low == pytest.approx(lo, rel=0.15)


def test_intervention_types_from_the_municipalitys_associations():
    model, c = reference_model()
    associations = {
        "labels": {
            "practice": {"da": "Virksomhedspraktik", "en": "Work practice"},
            "mentor": {"da": "Mentor", "en": "Mentor"},
        },
        "by_indicator": {
            "job_search": [
                {
                    "code": "practice",
                    "n": 80,
                    "citizens": 40,
                    "estimate": 0.4,
                    "low": 0.1,
                    "high": 0.7,
                    "low_adj": 0.03,
                    "high_adj": 0.77,
                },
                {
                    "code": "mentor",
                    "n": 60,
                    "citizens": 30,
                    "estimate": 0.2,
                    "low": -0.1,
                    "high": 0.5,
                },
                {"code": "addiction", "n": 3, "citizens": 2},
                # clear on its own, not when 21 types are compared at once
                {
                    "code": "course",
                    "n": 70,
                    "citizens": 35,
                    "estimate": 0.15,
                    "low": 0.02,
                    "high": 0.28,
                    "low_adj": -0.05,
                    "high_adj": 0.35,
                },
                {"code": "unused", "n": 0, "citizens": 0},
            ]
        },
    }
    found = {s.indicator: s for s in suggestions(row(), model, c, associations)}
    s = found["job_search"]
    assert [t["code"] for t in s.types] == ["practice"]
    assert s.types[0]["label"]["da"] == "Virksomhedspraktik"
    assert s.too_few == 1
    assert found["goal_directed"].types == []


def test_only_answered_ratings_are_stepped():
    model, c = reference_model()
    # the case worker has knowledge at the top; the citizen did not answer health
    # coping and purposefulness
    base = row(cw_labour_market_knowledge=5)
    answered = {f"cw_{code}" for code in F.CASEWORKER_INDICATORS} | {
        name for name in F.CIT if name not in ("cit_health_coping", "cit_goal_directed")
    }
    found = {s.indicator: s for s in suggestions(base, model, c, answered=answered)}
    knowledge = found["labour_market_knowledge"]
    assert knowledge.stepped == ["cit_labour_market_knowledge"]
    assert knowledge.who == "citizen"
    # health coping: only the citizen's rating has weight, and it was not answered
    assert "health_coping" not in found
    assert found["goal_directed"].who == "caseworker"
    assert found["cooperation"].who == "both"

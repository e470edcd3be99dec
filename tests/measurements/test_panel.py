"""The person-quarter panel on hand-made timelines, and the 12-month probability
against a hand computation (DESIGN section 5)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from citizens.services import assignment_change
from interventions.services import outcome_record
from measurements.scoring import features as F
from measurements.scoring.model import (
    Coefficients,
    hazard,
    linear_predictor,
    probability_12m,
)
from measurements.scoring.panel import build_panel
from measurements.scoring.reference import reference_coefficients
from tests.measurements.helpers import make_round

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 1)


def rows(municipality, **kw):
    return build_panel(municipality_id=municipality.pk, today=TODAY, **kw).set_index(
        "round_date"
    )


def test_event_window_leakage_and_censoring(person, caseworker, world):
    for d in (
        date(2024, 1, 10),
        date(2024, 4, 10),
        date(2024, 7, 10),
        date(2024, 9, 1),
    ):
        make_round(person, d)
    outcome_record(citizen=person, kind="job", day=date(2024, 8, 1), by=caseworker)
    world.municipality.outcomes_known_until = date(2024, 9, 30)
    world.municipality.save()
    p = rows(world.municipality)
    assert list(p.index) == [
        date(2024, 1, 10),
        date(2024, 4, 10),
        date(2024, 7, 10),
    ]  # 1 Sep is after the event
    assert list(p["event"]) == [0, 0, 1]  # 1 Aug lies in (10 Jul, 9 Oct]
    assert list(p["censored"]) == [0, 0, 1]  # that window ends after 30 Sep


def test_event_on_the_window_boundary(person, caseworker, world):
    make_round(person, date(2024, 1, 10))
    outcome_record(
        citizen=person, kind="education", day=date(2024, 4, 10), by=caseworker
    )  # day 91
    assert rows(world.municipality)["event"].tolist() == [1]


def test_subsidised_job_is_not_an_event(person, caseworker, world):
    make_round(person, date(2024, 1, 10))
    outcome_record(
        citizen=person, kind="subsidised_job", day=date(2024, 2, 1), by=caseworker
    )
    assert rows(world.municipality)["event"].tolist() == [0]


def test_change_of_case_worker_between_rounds(person, caseworker, teammate, world):
    for d in (date(2024, 1, 10), date(2024, 4, 10), date(2024, 7, 10)):
        make_round(person, d)
    assignment_change(
        citizen=person,
        caseworker=teammate,
        team=world.team,
        start=date(2024, 3, 1),
        by=caseworker,
    )
    assert rows(world.municipality)["cw_change"].tolist() == [0, 1, 0]


def test_bands(person, world):
    make_round(person, date(2024, 1, 10))  # 0 months, aged 34
    make_round(person, date(2025, 3, 1))  # 14 months, aged 35
    p = rows(world.municipality)
    assert p["time_band"].tolist() == [0, 3]
    assert p["age_band"].tolist() == [2, 2]


def test_missing_items_are_imputed_and_flagged_never_zero(person, world):
    values = {"contact": 5, "cooperation": 1}
    make_round(
        person,
        date(2024, 1, 10),
        cw=lambda ind: values.get(ind, 2),
        missing={("caseworker", "network"), ("caseworker", "job_search")},
    )
    p = rows(world.municipality).iloc[0]
    answered = [5, 1] + [2] * 7  # the 9 answered case-worker items
    assert p["cw_network"] == pytest.approx(
        np.mean(answered) - 3
    )  # the respondent's own mean
    assert p["cw_contact"] == 2
    assert p["cw_cooperation"] == -2
    assert (p["miss_cw"], p["miss_cw_n"], p["miss_cit"]) == (1, 2, 0)


def test_missing_citizen_part(person, world):
    make_round(person, date(2024, 1, 10), cw=4, citizen_part=False)
    p = rows(world.municipality).iloc[0]
    assert p["cit_part_missing"] == 1
    assert all(p[c] == 0 for c in F.CIT)  # the citizen items at 3
    assert p["cw_contact"] == 1


def test_a_raw_zero_never_reaches_the_design_matrix(person, world):
    make_round(person, date(2024, 1, 10), cw=1, cit=5, missing={("citizen", "network")})
    make_round(person, date(2024, 4, 10), citizen_part=False)
    p = rows(world.municipality)
    design = p[[*F.CIT, *F.CW]].to_numpy(dtype=float)
    assert not np.isnan(design).any()
    assert design.min() >= -2
    assert design.max() <= 2
    assert (design + 3 != 0).all()  # no item was read as a raw 0


def test_twelve_month_probability_by_hand():
    c = Coefficients(
        intercept=-4.0,
        features={"cw_cw_job_belief": 0.3, "cw_change": -0.25},
        time_bands=(0.0, 0.1, 0.2, 0.3, 0.4),
    )
    panel = pd.DataFrame(
        {
            "cw_cw_job_belief": [1.0],
            "cw_change": [1],
            "months_in_programme": [4.0],
            "time_band": [1],
            "age_band": [0],
            "target_group": ["x"],
        }
    )
    # quarters at 4, 7, 10 and 13 months: bands 1, 2, 2, 3; the change only now
    lps = [
        -4.0 + 0.3 - 0.25 + 0.1,
        -4.0 + 0.3 + 0.2,
        -4.0 + 0.3 + 0.2,
        -4.0 + 0.3 + 0.3,
    ]
    expected = 1 - math.prod(1 - 1 / (1 + math.exp(-lp)) for lp in lps)
    assert probability_12m(panel, c)[0] == pytest.approx(expected, rel=1e-12)
    assert hazard(linear_predictor(panel, c))[0] == pytest.approx(
        1 / (1 + math.exp(-lps[0]))
    )


def test_reference_model_reproduces_the_published_base_rate_and_effects():
    c = reference_coefficients()
    neutral = pd.DataFrame(
        {
            "months_in_programme": [0.0],
            "time_band": [0],
            "age_band": [0],
            "target_group": ["x"],
            "cw_change": [0],
            "cw_cw_job_belief": [0.0],
        }
    )
    assert probability_12m(neutral, c)[0] == pytest.approx(0.06, abs=1e-9)
    step = neutral.assign(cw_cw_job_belief=[1.0])
    odds = lambda p: p / (1 - p)  # noqa: E731
    h0, h1 = (
        hazard(linear_predictor(neutral, c))[0],
        hazard(linear_predictor(step, c))[0],
    )
    assert odds(h1) / odds(h0) == pytest.approx(1.33)
    assert math.exp(c.features["cw_change"]) == pytest.approx(0.78)
    assert "cw_everyday_coping" not in c.features
    assert "cit_network" not in c.features

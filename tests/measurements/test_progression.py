"""Progression per indicator and the progression class on hand-computed examples,
including missing answers and a changed instrument version (DESIGN section 5)."""

from __future__ import annotations

import math
from datetime import date

import pytest

from measurements.instrument import (
    instrument_copy,
    instrument_publish,
    instrument_save_texts,
)
from measurements.models import IndicatorScore, InstrumentVersion, Score
from tests.measurements.helpers import make_round, only, run_scores

pytestmark = pytest.mark.django_db
STEP = math.log(1.10)  # the reference model's assumed step for a named indicator
BELIEF = math.log(1.33)  # the case worker's belief: published


def score_of(rnd):
    return Score.objects.get(round=rnd, superseded_at__isnull=True)


def cell(rnd, respondent, indicator):
    return IndicatorScore.objects.get(
        round=rnd, respondent=respondent, indicator=indicator
    )


def test_one_step_of_belief_is_progress_and_changes_are_kept(person, world):
    r1 = make_round(person, date(2024, 1, 10))
    r2 = make_round(person, date(2024, 4, 10), cw=only(cw_job_belief=4))
    r3 = make_round(person, date(2024, 7, 10), cw=only(cw_job_belief=2))
    run_scores(world.municipality)
    assert score_of(r1).klass == ""  # the baseline has nothing to compare with
    assert score_of(r1).delta_indicator_lp is None
    assert score_of(r2).delta_indicator_lp == pytest.approx(BELIEF)
    assert score_of(r2).klass == "progress"
    assert score_of(r3).delta_indicator_lp == pytest.approx(-2 * BELIEF)
    assert score_of(r3).klass == "regression"
    c = cell(r3, "caseworker", "cw_job_belief")
    assert (c.value, c.delta_previous, c.delta_baseline) == (2.0, -2.0, -1.0)
    assert cell(r1, "caseworker", "cw_job_belief").delta_previous is None
    # a neutral citizen under the reference model: the published 6% a year
    assert score_of(r1).p12 == pytest.approx(0.06, abs=1e-6)
    assert score_of(r2).contributions["moved"] == {
        "cw_cw_job_belief": pytest.approx(BELIEF)
    }


def test_hand_computed_sum_over_both_respondents(person, world):
    make_round(person, date(2024, 1, 10))
    r2 = make_round(
        person,
        date(2024, 4, 10),
        # +1 named (citizen) and -1 named (case worker): they cancel
        cw=only(goal_directed=2, contact=5),
        cit=only(health_coping=4),
    )
    r3 = make_round(
        person,
        date(2024, 7, 10),
        # back to 3 on goal_directed (+1), case worker's knowledge +1; the
        # citizen's health coping stays at 4; contact has no weight in the model
        cw=only(labour_market_knowledge=4, contact=1),
        cit=only(health_coping=4, self_efficacy=4),
    )
    run_scores(world.municipality)
    assert score_of(r2).delta_indicator_lp == pytest.approx(0.0, abs=1e-9)
    assert score_of(r2).klass == "standstill"
    # goal_directed 2 -> 3, knowledge 3 -> 4, self-efficacy 3 -> 4: three steps
    assert score_of(r3).delta_indicator_lp == pytest.approx(3 * STEP)
    assert score_of(r3).klass == "progress"
    assert cell(r3, "citizen", "health_coping").delta_baseline == 1.0
    assert cell(r3, "caseworker", "contact").delta_previous == -4.0


def test_below_the_threshold_is_standstill(person, world, settings):
    settings.BIP_PROGRESSION_THRESHOLD = 0.5  # ln(1.5) = 0.405 > ln(1.33)
    make_round(person, date(2024, 1, 10))
    r2 = make_round(person, date(2024, 4, 10), cw=only(cw_job_belief=4))
    run_scores(world.municipality)
    assert score_of(r2).klass == "standstill"


def test_missing_answers_are_left_out_of_the_change(person, world):
    # the case worker's belief unanswered in the first round: imputed there for the
    # probability, but not compared: 5 in the second round is not "progress"
    make_round(person, date(2024, 1, 10), missing={("caseworker", "cw_job_belief")})
    r2 = make_round(person, date(2024, 4, 10), cw=only(cw_job_belief=5))
    run_scores(world.municipality)
    c = cell(r2, "caseworker", "cw_job_belief")
    assert (c.value, c.delta_previous) == (5.0, None)
    assert score_of(r2).klass == "standstill"
    assert score_of(r2).delta_indicator_lp == pytest.approx(0.0, abs=1e-9)
    first = IndicatorScore.objects.get(
        round__round_date=date(2024, 1, 10),
        respondent="caseworker",
        indicator="cw_job_belief",
    )
    assert (first.value, first.n_answered) == (None, 0)


def test_missing_citizen_part_gives_no_citizen_change(person, world):
    make_round(person, date(2024, 1, 10))
    r2 = make_round(person, date(2024, 4, 10), citizen_part=False)
    r3 = make_round(person, date(2024, 7, 10), cit=only(health_coping=5))
    run_scores(world.municipality)
    assert not IndicatorScore.objects.filter(round=r2, respondent="citizen").exists()
    c = cell(r3, "citizen", "health_coping")
    assert (c.delta_previous, c.delta_baseline) == (None, 2.0)
    # only the case worker's part compares, and it did not move
    assert score_of(r3).klass == "standstill"
    assert score_of(r3).delta_indicator_lp == pytest.approx(0.0, abs=1e-9)


def test_changed_questions_are_flagged_and_not_compared(person, world, municipal_admin):
    shipped = InstrumentVersion.objects.get(municipality__isnull=True)
    r1 = make_round(person, date(2024, 1, 10))
    draft = instrument_copy(
        source=shipped, municipality_id=world.municipality.pk, by=municipal_admin
    )
    belief = draft.questions.get(respondent="caseworker", indicator="cw_job_belief")
    instrument_save_texts(
        version=draft,
        by=municipal_admin,
        texts={
            belief.pk: {
                "da": {
                    "text": "Tror du, at borgeren er i job inden for et år?",
                    "low_label": "Nej",
                    "high_label": "Ja",
                }
            }
        },
    )
    instrument_publish(version=draft, by=municipal_admin, note="ny formulering")
    r2 = make_round(
        person,
        date(2024, 4, 10),
        cw=only(cw_job_belief=4, goal_directed=5),
        version=draft,
    )
    run_scores(world.municipality)
    belief_cell = cell(r2, "caseworker", "cw_job_belief")
    assert belief_cell.changed_previous
    assert belief_cell.changed_baseline
    assert belief_cell.delta_previous == 1.0  # shown, flagged
    assert not cell(r2, "caseworker", "goal_directed").changed_previous
    # the copy with unchanged texts compares; the changed question does not count
    assert score_of(r2).delta_indicator_lp == pytest.approx(2 * STEP)
    assert score_of(r2).klass == "progress"
    assert score_of(r1).klass == ""

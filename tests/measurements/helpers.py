from __future__ import annotations

from measurements.models import Respondent
from measurements.services import questions


def answers_for(rnd, respondent, value="3", **overrides):
    """POST data answering every question of a respondent with `value`."""
    data = {}
    for q in questions(rnd.instrument_version, respondent):
        data[f"q{q.pk}"] = overrides.get(q.indicator, value)
    return data


def full_round_post(rnd, action="submit_both", **extra):
    return {
        "lock_version": rnd.lock_version,
        "round_date": "2026-02-02",
        "action": action,
        **answers_for(rnd, Respondent.CASEWORKER, "4"),
        **answers_for(rnd, Respondent.CITIZEN, "2"),
        **extra,
    }

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import mean
from typing import Any

from django.db.models import QuerySet

from bip.accounts.scoping import Action, citizen_q, scope_for
from citizens.models import Assignment, Citizen
from measurements.indicators import INDICATORS
from measurements.models import Answer, Respondent, Round


def round_list(*, viewer: Any, action: Action = "read") -> QuerySet[Round]:
    """Rounds of citizens the viewer may read (or write)."""
    return Round.objects.filter(
        citizen_q(scope_for(viewer), action, prefix="enrolment__citizen__")
    )


@dataclass
class RoundView:
    round: Round
    answers: dict[str, dict[str, Answer]]  # respondent -> question code -> answer
    scores: dict[str, dict[str, float | None]]  # respondent -> indicator -> mean
    caseworker_changed: bool = False
    mix: Any = None  # the intervention mix (interventions.mix.Mix), set by the page
    score: Any = None  # the current Score under the active model, set by the page
    states: dict[str, str] = field(default_factory=dict)


def indicator_scores(answers: list[Answer]) -> dict[str, float | None]:
    """An indicator's score is the mean of the respondent's answered questions for it."""
    values: dict[str, list[int]] = defaultdict(list)
    for a in answers:
        if a.question.indicator and a.value is not None:
            values[a.question.indicator].append(a.value)
    return {
        i.code: (round(mean(values[i.code]), 2) if values[i.code] else None)
        for i in INDICATORS
    }


def caseworker_changes(citizen: Citizen) -> list[Assignment]:
    """Assignments that handed the citizen to a new case worker (not the first one)."""
    changes = []
    for enrolment in citizen.enrolments.prefetch_related("assignments").order_by(
        "start"
    ):
        assignments = sorted(enrolment.assignments.all(), key=lambda a: (a.start, a.pk))
        for prev, nxt in itertools.pairwise(assignments):
            if nxt.caseworker_id != prev.caseworker_id:
                changes.append(nxt)
    return changes


def citizen_rounds(citizen: Citizen) -> list[RoundView]:
    """Every round of the citizen, oldest first, with answers and indicator scores."""
    rounds = list(
        Round.objects.filter(enrolment__citizen=citizen)
        .select_related("caseworker", "instrument_version", "enrolment")
        .prefetch_related("responses")
        .order_by("round_date", "pk")
    )
    answers = Answer.objects.filter(
        response__round__in=rounds, superseded_at__isnull=True
    ).select_related("question", "response")
    by_round: dict[int, dict[str, list[Answer]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for a in answers:
        by_round[a.response.round_id][a.response.respondent].append(a)
    change_dates = [a.start for a in caseworker_changes(citizen)]
    views = []
    previous: date | None = None
    for r in rounds:
        per = by_round[r.pk]
        changed = bool(
            r.round_date
            and previous
            and any(previous < d <= r.round_date for d in change_dates)
        )
        views.append(
            RoundView(
                round=r,
                answers={
                    resp: {a.question.code: a for a in per[resp]}
                    for resp in Respondent.values
                },
                scores={
                    resp: indicator_scores(per[resp]) for resp in Respondent.values
                },
                caseworker_changed=changed,
                states={resp.respondent: resp.state for resp in r.responses.all()},
            )
        )
        if r.round_date:
            previous = r.round_date
    return views

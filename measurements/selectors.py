from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import mean
from typing import Any

from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from bip.accounts.access import scoped_get
from bip.accounts.models import User
from bip.accounts.scoping import Action, citizen_q, scope_for
from bip.db import DaysSinceEpoch, days_since_epoch
from bip.jobs.models import Job
from citizens.models import Assignment, Citizen, Enrolment
from citizens.selectors import citizen_list
from measurements.indicators import INDICATORS
from measurements.models import (
    Answer,
    InstrumentVersion,
    ModelVersion,
    Respondent,
    Round,
    Score,
)
from measurements.scoring.recompute import KIND as RECOMPUTE_JOB
from measurements.scoring.services import FIT_JOB


def round_list(*, viewer: User, action: Action = "read") -> QuerySet[Round]:
    """Rounds of citizens the viewer may read (or write)."""
    return Round.objects.filter(
        citizen_q(scope_for(viewer), action, prefix="enrolment__citizen__")
    )


def round_get(*, viewer: User, pk: Any, action: Action = "read") -> Round:
    """The round `pk` if the viewer may read (or write) its citizen, else 404."""
    return scoped_get(
        round_list(viewer=viewer, action=action).select_related(
            "enrolment__citizen", "instrument_version", "caseworker"
        ),
        pk,
        viewer=viewer,
    )


SORTS = {
    "due": (F("due_days").asc(nulls_last=True), "name_search", "pk"),
    "name": ("name_search", "pk"),
    "last": (F("last_round").desc(nulls_last=True), "name_search", "pk"),
}


def caseload_list(
    *,
    viewer: User,
    today: date,
    mine: bool = True,
    sort: str = "due",
    overdue_only: bool = False,
    team_id: int | None = None,
    model_version_id: int | None = None,
) -> QuerySet[Citizen]:
    """The caseload with last round, next due date and overdue, computed in SQL from
    `today` (never stored), so sorting, filtering and paging run in the database; with
    `model_version_id`, the latest job probability and progression class of the open
    spell under that model; for a spell that ended in a job or education, its date."""
    scope = scope_for(viewer)
    qs = citizen_list(viewer=viewer)
    if mine:
        qs = qs.filter(
            Q(caseworker_id=viewer.pk) | Q(pk__in=sorted(scope.granted_citizen_ids))
        )
    if team_id:
        qs = qs.filter(team_id=team_id)
    open_enrolment = Enrolment.objects.filter(citizen=OuterRef("pk"), end__isnull=True)
    last_complete = Round.objects.filter(
        enrolment__citizen=OuterRef("pk"),
        enrolment__end__isnull=True,
        state=Round.State.COMPLETE,
    ).order_by("-round_date")
    qs = qs.annotate(
        enrolment_start=Subquery(open_enrolment.values("start")[:1]),
        last_round=Subquery(last_complete.values("round_date")[:1]),
        interval=Coalesce("round_interval_days", "municipality__round_interval_days"),
        open_round_id=Subquery(
            Round.objects.filter(
                enrolment__citizen=OuterRef("pk"), state=Round.State.OPEN
            ).values("pk")[:1]
        ),
    ).annotate(
        # no enrolment: nothing is due; no round yet: the baseline is due at once
        due_days=Case(
            When(enrolment_start__isnull=True, then=Value(None)),
            When(last_round__isnull=True, then=DaysSinceEpoch("enrolment_start")),
            default=DaysSinceEpoch("last_round") + F("interval"),
            output_field=IntegerField(),
        ),
    )
    if model_version_id is not None:
        # the latest scored round of the open spell; under the active model where it
        # has a score, else (a recompute still running) the newest of another version
        latest = (
            Score.objects.filter(
                round__enrolment__citizen=OuterRef("pk"),
                round__enrolment__end__isnull=True,
                superseded_at__isnull=True,
            )
            .annotate(
                active=Case(
                    When(model_version_id=model_version_id, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-round__round_date", "-round_id", "-active", "-computed_at")
        )
        qs = qs.annotate(
            p12=Subquery(latest.values("p12")[:1]),
            klass=Subquery(latest.values("klass")[:1]),
            scored_round=Subquery(latest.values("round__round_date")[:1]),
            scored_version=Subquery(latest.values("model_version_id")[:1]),
        )
    exits = Enrolment.objects.filter(
        citizen=OuterRef("pk"), end__isnull=False, end_reason__in=["job", "education"]
    ).order_by("-end")
    qs = qs.annotate(
        exit_date=Subquery(exits.values("end")[:1]),
        exit_reason=Subquery(exits.values("end_reason")[:1]),
    )
    if overdue_only:
        qs = qs.filter(due_days__lt=days_since_epoch(today))
    return qs.select_related("team", "caseworker").order_by(
        *SORTS.get(sort, SORTS["due"])
    )


def instrument_list(*, viewer: User) -> QuerySet[InstrumentVersion]:
    """The shipped versions and the viewer's municipality's own."""
    return InstrumentVersion.objects.filter(
        Q(municipality__isnull=True)
        | Q(municipality_id=scope_for(viewer).municipality_id)
    )


def instrument_get(*, viewer: User, pk: Any, own: bool = False) -> InstrumentVersion:
    """A version the viewer may see; with `own`, only one of their municipality's
    (the only ones it may change)."""
    qs = instrument_list(viewer=viewer)
    if own:
        qs = qs.filter(municipality_id=scope_for(viewer).municipality_id)
    return scoped_get(qs, pk, viewer=viewer)


def model_version_list(*, viewer: User) -> QuerySet[ModelVersion]:
    """The viewer's municipality's model versions and the shipped reference."""
    return ModelVersion.objects.filter(
        Q(municipality_id=scope_for(viewer).municipality_id)
        | Q(municipality__isnull=True)
    )


def model_version_get(*, viewer: User, pk: Any) -> ModelVersion:
    return scoped_get(
        model_version_list(viewer=viewer).select_related("recompute_job"),
        pk,
        viewer=viewer,
    )


def fit_jobs(*, viewer: User, limit: int = 5) -> list[Job]:
    """The latest model fits of the viewer's municipality."""
    return list(
        Job.objects.filter(
            municipality_id=scope_for(viewer).municipality_id, kind=FIT_JOB
        ).order_by("-created_at")[:limit]
    )


def recompute_job(*, version: ModelVersion, municipality_id: int) -> Job | None:
    """The recompute of every round started when the version was last activated. The
    shipped reference model is shared, so its job is found among the municipality's."""
    if version.municipality_id is not None:
        return version.recompute_job
    return (
        Job.objects.filter(
            municipality_id=municipality_id,
            kind=RECOMPUTE_JOB,
            params__trigger="activation",
            params__model_version_id=version.pk,
        )
        .order_by("-pk")
        .first()
    )


def current_answers(rnd: Round, respondent: str | None = None) -> dict[int, Answer]:
    """The round's answers in force, by question id (one respondent's, or both)."""
    answers = Answer.objects.current().filter(response__round=rnd)
    if respondent is not None:
        answers = answers.filter(response__respondent=respondent)
    return {a.question_id: a for a in answers}


def round_sync_list(*, viewer: User) -> QuerySet[Round]:
    """Rounds the viewer may read with their instrument version and, per respondent,
    the answers in force (the API's rounds)."""
    return (
        round_list(viewer=viewer)
        .select_related("enrolment", "instrument_version", "target_group")
        .prefetch_related(
            "responses",
            Prefetch(
                "responses__answers",
                queryset=Answer.objects.current()
                .select_related("question")
                .order_by("question__order", "pk"),
            ),
        )
    )


def score_list(*, viewer: User) -> QuerySet[Score]:
    """Scores of rounds the viewer may read, current and superseded. `changed_at` is
    when the row last changed: computed, or superseded by a newer computation."""
    return (
        Score.objects.filter(
            citizen_q(scope_for(viewer), "read", prefix="round__enrolment__citizen__")
        )
        .annotate(changed_at=Coalesce("superseded_at", "computed_at"))
        .select_related("round__enrolment")
    )


def citizen_round_on(*, citizen: Citizen, day: date) -> Round | None:
    """The citizen's round of a date in their open enrolment (the rounds import's
    natural key), or their round in progress (day None)."""
    rounds = Round.objects.filter(
        enrolment__citizen=citizen, enrolment__end__isnull=True
    )
    if day is None:
        return rounds.filter(state=Round.State.OPEN).first()
    return rounds.filter(state=Round.State.COMPLETE, round_date=day).first()


def may_write_round(*, viewer: User, rnd: Round) -> bool:
    return round_list(viewer=viewer, action="write").filter(pk=rnd.pk).exists()


@dataclass
class RoundView:
    round: Round
    scores: dict[str, dict[str, float | None]]  # respondent -> indicator -> mean
    caseworker_changed: bool = False
    mix: Any = None  # the intervention mix (interventions.mix.Mix), set by the page
    score: Any = None  # the current Score under the active model, set by the page
    states: dict[str, str] = field(default_factory=dict)


def indicator_scores(
    values: list[tuple[str, int | None]],
) -> dict[str, float | None]:
    """An indicator's score is the mean of the respondent's answered questions for it
    (`values`: each answer's indicator and value)."""
    by_indicator: dict[str, list[int]] = defaultdict(list)
    for indicator, value in values:
        if indicator and value is not None:
            by_indicator[indicator].append(value)
    return {
        i.code: (round(mean(by_indicator[i.code]), 2) if by_indicator[i.code] else None)
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
    # only what the indicator scores need: no model instance per answer
    answers = (
        Answer.objects.current()
        .filter(response__round__in=rounds)
        .values_list(
            "response__round_id", "response__respondent", "question__indicator", "value"
        )
    )
    by_round: dict[int, dict[str, list[tuple[str, int | None]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for round_id, respondent, indicator, value in answers:
        by_round[round_id][respondent].append((indicator, value))
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

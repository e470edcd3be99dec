"""The dashboards' aggregates (docs/dashboards.md): a durable job per municipality
reads its rounds, current scores, indicator scores, interventions, outcomes and the
history of case workers once, computes every figure per unit x team x case worker x
target group x quarter "at the time", and replaces the municipality's cells and
their members (the citizens behind each figure) in one transaction. It runs after
the scores change and every night; pages only read its output."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from bip.accounts.models import Municipality
from bip.db import copy_rows, reserve_ids, xact_lock
from bip.jobs import services as jobs
from bip.jobs.models import Job
from citizens.models import Assignment, Enrolment
from interventions.mix import round_mixes, spans_by_enrolment
from interventions.models import InterventionEpisode, Outcome
from measurements.models import IndicatorScore, Round, Score
from measurements.scoring.panel import EVENT_KINDS, with_events
from measurements.scoring.versions import active_model
from reports import comparison
from reports.models import DashboardCell, DashboardMember, DashboardRefresh

KIND = "reports.dashboards"
CLASSES = ("progress", "standstill", "regression")
OUTCOME_KINDS = ("job", "education", "other_exit")
P12_BINS = 10
# the starting level's bands for the expected share of progress (quantiles of the
# indicator part of the linear predictor at the previous round)
LEVEL_BANDS = 5
KEY = ("unit_id", "team_id", "caseworker_id", "target_group_id", "quarter")
# pg_advisory_xact_lock(namespace, municipality id): requests for a refresh of one
# municipality take turns, so two at once never queue two refreshes
REQUEST_LOCK = 7102


def quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# --- Requests: after the scores change, and every night ---


def _waiting(municipality_id: int) -> Job | None:
    """The municipality's refresh that waits and was never claimed (locked), after
    taking the municipality's request lock: a request that finds none creates the
    one the next request joins."""
    xact_lock(REQUEST_LOCK, municipality_id)
    return (
        Job.objects.select_for_update()
        .filter(
            kind=KIND,
            municipality_id=municipality_id,
            state=Job.State.PENDING,
            attempts=0,
        )
        .order_by("pk")
        .first()
    )


def dashboards_request(*, municipality_id: int, by: Any = None) -> Job:
    """One refresh of the municipality's dashboards, now; a request while one waits,
    never claimed, joins it (and brings it forward if it waits out a quiet
    period)."""
    waiting = _waiting(municipality_id)
    if waiting is not None:
        jobs.hasten(waiting)
        return waiting
    return jobs.enqueue(kind=KIND, municipality_id=municipality_id, requested_by=by)


def dashboards_nightly() -> list[Job]:
    """Beat: a refresh for every municipality with rounds."""
    created = []
    for municipality_id in (
        Round.objects.values_list("municipality_id", flat=True)
        .distinct()
        .order_by("municipality_id")
    ):
        with transaction.atomic():
            created.append(dashboards_request(municipality_id=municipality_id))
    return created


def refresh_due(municipality_id: int, *, now: datetime) -> datetime | None:
    """When a refresh asked for after saves may run: BIP_DASHBOARDS_DELAY seconds
    after the latest refresh was written (one running now counts as written now);
    None when that is past, or there is no quiet period."""
    delay = timedelta(seconds=settings.BIP_DASHBOARDS_DELAY)
    if not delay:
        return None
    running = Job.objects.filter(
        kind=KIND, municipality_id=municipality_id, state=Job.State.RUNNING
    ).exists()
    last = (
        now
        if running
        else DashboardRefresh.objects.filter(municipality_id=municipality_id)
        .order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )
    if last is None or last + delay <= now:
        return None
    return last + delay


def after_scores(municipality_id: int) -> None:
    """Registered with the score recompute: its results change the dashboards.

    A refresh reads the whole municipality, so while rounds are being saved it runs
    at most once per BIP_DASHBOARDS_DELAY: at once after a quiet spell, else when
    that long has passed since the last one was written. Saves meanwhile join the
    waiting refresh."""
    with transaction.atomic():
        if _waiting(municipality_id) is not None:
            return
        jobs.enqueue(
            kind=KIND,
            municipality_id=municipality_id,
            not_before=refresh_due(municipality_id, now=timezone.now()),
        )


# --- The job ---


def dashboards_job(claim: Any) -> None:
    municipality_id = claim.job.municipality_id
    model = active_model(municipality_id=municipality_id)
    data = read(municipality_id=municipality_id, model_version_id=model.pk)
    with transaction.atomic():
        claim.advance(progress=1, total=3)
    cells = compute(data)
    with transaction.atomic():
        claim.advance(progress=1)
    with transaction.atomic():
        refresh = DashboardRefresh.objects.create(
            municipality_id=municipality_id,
            job_id=claim.job.pk,
            model_version=model,
            computed_at=timezone.now(),
            rounds=len(data.rounds),
        )
        write(refresh, cells)
        # the page reads the newest refresh: the older ones go, with their cells
        DashboardRefresh.objects.filter(municipality_id=municipality_id).exclude(
            pk=refresh.pk
        ).delete()
        claim.advance(progress=1)
    claim.job.result = {"refresh": refresh.pk, "cells": len(cells)}


@dataclass
class Inputs:
    rounds: pd.DataFrame
    indicators: pd.DataFrame
    spells: pd.DataFrame
    assignments: pd.DataFrame
    episodes: list[tuple[int, str, date, date | None]]
    outcomes: pd.DataFrame
    known_until: date
    today: date
    interval: int


def _frame(rows: Iterable[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def read(
    *, municipality_id: int, model_version_id: int, today: date | None = None
) -> Inputs:
    """Everything the figures need, in a fixed handful of queries."""
    today = today or timezone.localdate()
    municipality = Municipality.objects.get(pk=municipality_id)
    rounds = _frame(
        Round.objects.filter(
            municipality_id=municipality_id, state=Round.State.COMPLETE
        ).values_list(
            "pk",
            "enrolment_id",
            "enrolment__citizen_id",
            "round_date",
            "team_id",
            "team__unit_id",
            "caseworker_id",
            Coalesce("target_group_id", "enrolment__target_group_id"),
            "enrolment__start",
            "enrolment__end",
        ),
        [
            "round_id",
            "enrolment_id",
            "citizen_id",
            "round_date",
            "team_id",
            "unit_id",
            "caseworker_id",
            "target_group_id",
            "spell_start",
            "spell_end",
        ],
    )
    scores = _frame(
        Score.objects.filter(
            municipality_id=municipality_id,
            model_version_id=model_version_id,
            superseded_at__isnull=True,
        ).values_list("round_id", "klass", "p12", "hazard_q", "indicator_lp"),
        ["round_id", "klass", "p12", "hazard_q", "indicator_lp"],
    )
    rounds = rounds.merge(scores, on="round_id", how="left")
    indicators = _frame(
        IndicatorScore.objects.filter(
            municipality_id=municipality_id, value__isnull=False
        ).values_list("round_id", "respondent", "indicator", "value"),
        ["round_id", "respondent", "indicator", "value"],
    )
    spells = _frame(
        Enrolment.objects.filter(municipality_id=municipality_id).values_list(
            "pk",
            "citizen_id",
            "start",
            "end",
            "target_group_id",
            "team_id",
            "team__unit_id",
            "citizen__round_interval_days",
        ),
        [
            "enrolment_id",
            "citizen_id",
            "start",
            "end",
            "target_group_id",
            "team_id",
            "unit_id",
            "interval",
        ],
    )
    assignments = _frame(
        Assignment.objects.filter(municipality_id=municipality_id).values_list(
            "enrolment_id", "start", "caseworker_id", "team_id", "team__unit_id"
        ),
        ["enrolment_id", "start", "caseworker_id", "team_id", "unit_id"],
    )
    episodes = list(
        InterventionEpisode.objects.filter(municipality_id=municipality_id).values_list(
            "enrolment_id", "type__group", "start", "end"
        )
    )
    outcomes = _frame(
        Outcome.objects.filter(municipality_id=municipality_id).values_list(
            "citizen_id", "enrolment_id", "kind", "date"
        ),
        ["citizen_id", "enrolment_id", "kind", "date"],
    )
    return Inputs(
        rounds=rounds,
        indicators=indicators,
        spells=spells,
        assignments=assignments,
        episodes=episodes,
        outcomes=outcomes,
        known_until=municipality.outcomes_known_until or today,
        today=today,
        interval=municipality.round_interval_days,
    )


# --- The figures ---


@dataclass
class Cell:
    rounds_due: int = 0
    rounds_done: int = 0
    classes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    mix: dict[str, dict[str, int]] = field(default_factory=dict)
    indicators: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    p12_bins: list[int] = field(default_factory=lambda: [0] * P12_BINS)
    p12_sum: float = 0.0
    p12_n: int = 0
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    oe: dict[str, dict[str, float]] = field(default_factory=dict)
    members: set[tuple[str, str, int]] = field(default_factory=set)

    def add_oe(self, measure: str, observed: float, expected: float) -> None:
        """Sums for reports.comparison.compare_sums: units, observed, sum of p and of
        p squared."""
        sums = self.oe.setdefault(measure, {"n": 0, "o": 0.0, "e": 0.0, "s": 0.0})
        sums["n"] += 1
        sums["o"] += observed
        sums["e"] += expected
        sums["s"] += expected * expected


def _key(row: Any, day: date) -> tuple[Any, ...]:
    return (
        _int(row.unit_id),
        _int(row.team_id),
        _int(row.caseworker_id),
        _int(row.target_group_id),
        quarter_of(day),
    )


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def compute(data: Inputs) -> dict[tuple[Any, ...], Cell]:
    """Every cell's figures and members, from the inputs alone (no queries)."""
    cells: dict[tuple[Any, ...], Cell] = defaultdict(Cell)
    rounds = data.rounds.sort_values(["enrolment_id", "round_date", "round_id"])
    _rounds(cells, rounds, data)
    _dues(cells, rounds, data)
    _outcomes(cells, data)
    _expected(cells, rounds, data)
    return cells


def _rounds(
    cells: dict[tuple[Any, ...], Cell], rounds: pd.DataFrame, data: Inputs
) -> None:
    """Done rounds, their class, mix, 12-month probability and indicator scores."""
    mixes = round_mixes(
        zip(rounds["enrolment_id"], rounds["round_date"], strict=True),
        spans_by_enrolment(data.episodes),
    )
    indicator_rows: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
    for round_id, respondent, indicator, value in data.indicators.itertuples(
        index=False
    ):
        indicator_rows[round_id].append((respondent, indicator, value))
    for row, mix in zip(rounds.itertuples(index=False), mixes, strict=True):
        cell = cells[_key(row, row.round_date)]
        citizen = int(row.citizen_id)
        cell.rounds_done += 1
        cell.members.add(("done", "", citizen))
        klass = row.klass if isinstance(row.klass, str) and row.klass else ""
        by_mix = cell.mix.setdefault(str(mix), {"n": 0, **dict.fromkeys(CLASSES, 0)})
        by_mix["n"] += 1
        cell.members.add(("mix", str(mix), citizen))
        if klass in CLASSES:
            cell.classes[klass] += 1
            by_mix[klass] += 1
            cell.members.add(("class", klass, citizen))
            cell.members.add(("mixclass", f"{mix}.{klass}", citizen))
        if row.p12 is not None and not pd.isna(row.p12):
            tenth = min(int(row.p12 * P12_BINS), P12_BINS - 1)
            cell.p12_bins[tenth] += 1
            cell.p12_sum += float(row.p12)
            cell.p12_n += 1
            cell.members.add(("p12", str(tenth), citizen))
        for respondent, indicator, value in indicator_rows.get(row.round_id, ()):
            sums = cell.indicators.setdefault(respondent, {}).setdefault(
                indicator, [0.0, 0]
            )
            sums[0] += float(value)
            sums[1] += 1


def _placement(
    history: pd.DataFrame, spell: Any, day: date
) -> tuple[int | None, int | None, int | None]:
    """(unit, team, case worker) of a spell on a day: its assignment then (the first
    one for a day before it), else the spell's own team."""
    if not history.empty:
        started = history[history["start"] <= day]
        row = (started if not started.empty else history).iloc[
            -1 if not started.empty else 0
        ]
        return _int(row["unit_id"]), _int(row["team_id"]), _int(row["caseworker_id"])
    return _int(spell.unit_id), _int(spell.team_id), None


def _dues(
    cells: dict[tuple[Any, ...], Cell], rounds: pd.DataFrame, data: Inputs
) -> None:
    """A round is due at the start of a spell without rounds and the interval after
    each complete round (the citizen's own interval, else the municipality's), while
    the spell is open and up to today; each due date counts where the citizen was
    placed that day."""
    dates = rounds.groupby("enrolment_id")["round_date"].apply(list).to_dict()
    history = {
        k: g.sort_values("start").reset_index(drop=True)
        for k, g in data.assignments.groupby("enrolment_id")
    }
    empty = pd.DataFrame(columns=data.assignments.columns)
    for spell in data.spells.itertuples(index=False):
        interval = timedelta(days=int(_int(spell.interval) or data.interval))
        done = dates.get(spell.enrolment_id, [])
        dues = [spell.start] if not done else []
        dues += [d + interval for d in done]
        last = min(data.today, spell.end) if spell.end is not None else data.today
        for due in dues:
            if due < spell.start or due > last:
                continue
            unit, team, caseworker = _placement(
                history.get(spell.enrolment_id, empty), spell, due
            )
            key = (unit, team, caseworker, _int(spell.target_group_id), quarter_of(due))
            cells[key].rounds_due += 1
            cells[key].members.add(("due", "", int(spell.citizen_id)))


def _outcomes(cells: dict[tuple[Any, ...], Cell], data: Inputs) -> None:
    """Jobs, educations and other exits dated up to today, where the citizen was
    placed that day, with the days from the start of their spell."""
    spells = {s.enrolment_id: s for s in data.spells.itertuples(index=False)}
    by_citizen: dict[int, list[Any]] = defaultdict(list)
    for s in data.spells.itertuples(index=False):
        by_citizen[int(s.citizen_id)].append(s)
    history = {
        k: g.sort_values("start").reset_index(drop=True)
        for k, g in data.assignments.groupby("enrolment_id")
    }
    empty = pd.DataFrame(columns=data.assignments.columns)
    for citizen_id, enrolment_id, kind, day in data.outcomes.itertuples(index=False):
        if kind not in OUTCOME_KINDS or day > data.today:
            continue
        spell = spells.get(_int(enrolment_id)) if _int(enrolment_id) else None
        if spell is None:  # the latest spell that had started by then
            started = [s for s in by_citizen[int(citizen_id)] if s.start <= day]
            spell = max(started, key=lambda s: s.start) if started else None
        if spell is None:
            continue
        unit, team, caseworker = _placement(
            history.get(spell.enrolment_id, empty), spell, day
        )
        cell = cells[
            (unit, team, caseworker, _int(spell.target_group_id), quarter_of(day))
        ]
        sums = cell.outcomes.setdefault(kind, {"n": 0, "days": 0})
        sums["n"] += 1
        sums["days"] += (day - spell.start).days
        cell.members.add(("outcome", kind, int(citizen_id)))


def _expected(
    cells: dict[tuple[Any, ...], Cell], rounds: pd.DataFrame, data: Inputs
) -> None:
    """The sums behind observed against expected (reports/comparison.py): a job or
    education start in the round's window against the model's quarterly hazard
    (windows the register does not cover yet are left out); progress against the
    municipality's share of progress among rounds that started at the same level
    (a fifth of the indicator part of the linear predictor at the previous round).
    The expectations are centred on the municipality's observed total, so a case
    worker is compared with colleagues, not with the model's overall level."""
    scored = rounds[rounds["hazard_q"].notna()]
    if not scored.empty:
        jobs_ = data.outcomes[data.outcomes["kind"].isin(EVENT_KINDS)][
            ["citizen_id", "date"]
        ]
        flagged = with_events(scored, jobs_, known_until=data.known_until)
        flagged = flagged[flagged["censored"] == 0]
        expected, _shift = comparison.centred(
            flagged["event"].to_numpy(), flagged["hazard_q"].to_numpy()
        )
        for row, p in zip(flagged.itertuples(index=False), expected, strict=True):
            cells[_key(row, row.round_date)].add_oe("job", float(row.event), float(p))
    start = rounds.groupby("enrolment_id")["indicator_lp"].shift(1)
    classified = rounds.assign(start=start)
    classified = classified[
        classified["klass"].isin(CLASSES) & classified["start"].notna()
    ]
    if classified.empty:
        return
    progress = (classified["klass"] == "progress").to_numpy(dtype=float)
    bands = comparison.level_bands(classified["start"].to_numpy(), bands=LEVEL_BANDS)
    share, _shift = comparison.centred(
        progress, comparison.stratum_shares(progress, bands)
    )
    for row, observed, expected in zip(
        classified.itertuples(index=False), progress, share, strict=True
    ):
        cells[_key(row, row.round_date)].add_oe(
            "progress", float(observed), float(expected)
        )


# --- Writing ---

CELL_FIELDS = [
    "id",
    "refresh",
    "municipality",
    "unit",
    "team",
    "caseworker",
    "target_group",
    "quarter",
    "rounds_due",
    "rounds_done",
    "progress",
    "standstill",
    "regression",
    "mix",
    "indicators",
    "p12_bins",
    "p12_sum",
    "p12_n",
    "outcomes",
    "oe",
]


def write(refresh: DashboardRefresh, cells: dict[tuple[Any, ...], Cell]) -> None:
    """The cells and their members with COPY (ids reserved first)."""
    keys = sorted(cells, key=lambda k: tuple((x is None, x) for x in k))
    ids = reserve_ids(DashboardCell, len(keys))
    rows, members = [], []
    for pk, key in zip(ids, keys, strict=True):
        cell = cells[key]
        unit, team, caseworker, target_group, quarter = key
        rows.append(
            (
                pk,
                refresh.pk,
                refresh.municipality_id,
                unit,
                team,
                caseworker,
                target_group,
                quarter,
                cell.rounds_due,
                cell.rounds_done,
                cell.classes["progress"],
                cell.classes["standstill"],
                cell.classes["regression"],
                json.dumps(cell.mix),
                json.dumps(cell.indicators),
                json.dumps(cell.p12_bins),
                cell.p12_sum,
                cell.p12_n,
                json.dumps(cell.outcomes),
                json.dumps(cell.oe),
            )
        )
        members += [(pk, f, c, citizen) for f, c, citizen in sorted(cell.members)]
    copy_rows(DashboardCell, CELL_FIELDS, rows)
    copy_rows(DashboardMember, ["cell", "figure", "category", "citizen_id"], members)

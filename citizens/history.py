"""The history of a spell's responsible case worker (DESIGN sections 1 and 5), built
from what the imports and the pages know about it.

An assignment is [start, end): it ends the day the next one starts, and the last one of
a closed spell ends with the spell. Each has a source that says how much it may be
changed by later evidence:

- ``assumed``: the case worker named when the spell was opened (a new citizen, the
  citizens import) or the citizen's current case worker resuming after historic
  rounds. Its dates are an assumption; historic rounds fill them in.
- ``rounds``: derived from the case workers of historic rounds: a round whose case
  worker differs from the previous round's starts an assignment on its date.
- ``exact``: a change entered by hand, or a row of the ``assignments`` import. Never
  changed by an import; a round or row that contradicts it is a conflict.

``rebuild`` is a pure function of a spell's stored history and the evidence: the
historic rounds import and the assignments import run it at the check (to report
conflicts per row) and again when they save, so importing the same files twice, or in
another order, gives the same history.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise

ASSUMED, ROUNDS, EXACT = "assumed", "rounds", "exact"


@dataclass(frozen=True)
class Interval:
    start: date
    end: date | None
    caseworker_id: int
    team_id: int | None
    source: str
    pk: int | None = None  # the stored row, where there is one

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def same_as(self, other: Interval) -> bool:
        return (self.start, self.end, self.caseworker_id, self.source) == (
            other.start,
            other.end,
            other.caseworker_id,
            other.source,
        )


@dataclass(frozen=True)
class Evidence:
    """A case worker on a day: a historic round (``exact=False``) or a row of the
    assignments import (``exact=True``: the case worker from that day on). `keys`
    name the import rows it came from, so a conflict is reported on them."""

    day: date
    caseworker_id: int
    keys: tuple[Hashable, ...] = ()
    exact: bool = False
    team_id: int | None = None  # an exact row may name the team; else team_for


@dataclass(frozen=True)
class Conflict:
    """What a row contradicts: the stored history names another case worker from
    `day` (``history``), a stored round on `day` names another (``round``), or the
    file names two for one day (``file``)."""

    caseworker_id: int
    day: date
    what: str = "history"


@dataclass
class Rebuilt:
    intervals: list[Interval]
    conflicts: dict[Hashable, Conflict] = field(default_factory=dict)  # by row key

    @property
    def current(self) -> Interval | None:
        return self.intervals[-1] if self.intervals else None


def _holder(intervals: list[Interval], day: date) -> Interval | None:
    """The interval on `day`: the latest that started by then and has not ended (an
    open one runs until a later one starts)."""
    on = [i for i in intervals if i.covers(day)]
    return max(on, key=lambda i: i.start) if on else None


def rebuild(
    *,
    spell_start: date,
    spell_end: date | None,
    stored: Iterable[Interval],
    evidence: Iterable[Evidence],
    team_for: Callable[[int, date], int | None],
) -> Rebuilt:
    """The spell's history after adding the evidence. Exact intervals stay as they are
    (a later exact row ends the open one); the stretches between them are derived
    again from every round's case worker, the current case worker resuming after the
    last round if the rounds ended with another one."""
    stored = sorted(stored, key=lambda i: (i.start, i.pk or 0))
    if stored and spell_end is not None and stored[-1].end is not None:
        # the last assignment of a closed spell ends with the spell: treat it as open
        # (as before the spell was closed), and close the result again at the end
        stored[-1] = replace(stored[-1], end=None)
    evidence = sorted(evidence, key=lambda e: (e.day, not e.exact))
    conflicts: dict[Hashable, Conflict] = {}

    # 1. exact intervals: the stored ones and the new rows of the assignments import
    exact = [i for i in stored if i.source == EXACT]
    new_keys: dict[date, tuple[Hashable, ...]] = {}  # new exact interval -> its rows
    for ev in (e for e in evidence if e.exact):
        at = next((i for i in exact if i.start == ev.day), None)
        inside = at or _holder(exact, ev.day)
        if inside is not None and inside.caseworker_id == ev.caseworker_id:
            continue  # already in the history
        if at is not None or (inside is not None and inside.end is not None):
            for key in ev.keys:  # a closed stretch of the history says otherwise
                conflicts[key] = Conflict(inside.caseworker_id, inside.start)  # type: ignore[union-attr]
            continue
        if ev.day in new_keys:  # two rows of the file for one day
            for key in (*new_keys[ev.day], *ev.keys):
                conflicts[key] = Conflict(ev.caseworker_id, ev.day, "file")
            continue
        new_keys[ev.day] = ev.keys
        team = ev.team_id or team_for(ev.caseworker_id, ev.day)
        exact.append(Interval(ev.day, None, ev.caseworker_id, team, EXACT))
    exact.sort(key=lambda i: (i.start, i.pk or 0))
    # an open exact interval ends where a later one starts
    exact = [
        replace(i, end=nxt.start) if i.end is None or i.end > nxt.start else i
        for i, nxt in pairwise(exact)
    ] + exact[-1:]

    # 2. the stretches between exact intervals, each with the case worker that held
    # it before (for the last stretch: the current case worker)
    tail_default = stored[-1].caseworker_id if stored else None
    gaps: list[tuple[date, date | None]] = []
    cursor: date | None = spell_start
    for i in exact:
        if cursor is not None and i.start > cursor:
            gaps.append((cursor, i.start))
        cursor = None if i.end is None else max(cursor or i.end, i.end)
    if cursor is not None and (not exact or exact[-1].end is not None):
        gaps.append((cursor, None))
    if exact and exact[-1].end is None:
        tail_default = None  # an exact interval is current: no stretch after it

    rounds = [e for e in evidence if not e.exact]
    derived: list[Interval] = []
    for gap_start, gap_end in gaps:
        inside = [
            e
            for e in rounds
            if e.day >= gap_start and (gap_end is None or e.day < gap_end)
        ]
        before = [i for i in stored if i.source != EXACT and i.covers(gap_start)]
        default = (
            tail_default
            if gap_end is None
            else (before[0].caseworker_id if before else None)
        )
        derived += _fill(gap_start, gap_end, inside, default, team_for, stored)

    # rounds inside exact intervals must agree with them: a round of the file is the
    # conflict, or else the new row of the assignments import that contradicts a
    # stored round
    for ev in rounds:
        holder = _holder(exact, ev.day)
        if holder is None and exact and ev.day >= exact[-1].start:
            holder = exact[-1]
        if holder is None or holder.caseworker_id == ev.caseworker_id:
            continue
        if ev.keys:
            for key in ev.keys:
                conflicts[key] = Conflict(holder.caseworker_id, holder.start)
        elif holder.pk is None:
            for key in new_keys.get(holder.start, ()):
                conflicts[key] = Conflict(ev.caseworker_id, ev.day, "round")

    intervals = sorted([*exact, *derived], key=lambda i: i.start)
    intervals = _merge_runs(intervals)
    if intervals and spell_end is not None:
        last = intervals[-1]
        intervals[-1] = replace(last, end=max(spell_end, last.start))
    return Rebuilt(_keep_ids(intervals, stored), conflicts)


def _fill(
    start: date,
    end: date | None,
    rounds: list[Evidence],
    default: int | None,
    team_for: Callable[[int, date], int | None],
    stored: list[Interval],
) -> list[Interval]:
    """One stretch without exact intervals: the case worker of the first round from
    the stretch's start, a new one at every round whose case worker differs; in the
    last stretch the current case worker resumes the day after the last round."""
    if not rounds:
        kept = [i for i in stored if i.source != EXACT and start <= i.start]
        kept = [i for i in kept if end is None or i.start < end]
        if kept:
            return [replace(i, end=end if i is kept[-1] else i.end) for i in kept]
        return (
            [Interval(start, end, default, team_for(default, start), ASSUMED)]
            if default is not None
            else []
        )
    out: list[Interval] = []
    current = rounds[0].caseworker_id
    out.append(Interval(start, None, current, team_for(current, start), ROUNDS))
    for ev in rounds[1:]:
        if ev.caseworker_id != current:
            out[-1] = replace(out[-1], end=ev.day)
            current = ev.caseworker_id
            out.append(
                Interval(ev.day, None, current, team_for(current, ev.day), ROUNDS)
            )
    if end is None and default is not None and current != default:
        resume = rounds[-1].day + timedelta(days=1)
        out[-1] = replace(out[-1], end=resume)
        out.append(Interval(resume, None, default, team_for(default, resume), ASSUMED))
    else:
        out[-1] = replace(out[-1], end=end)
    return out


def _merge_runs(intervals: list[Interval]) -> list[Interval]:
    """Neighbours with the same case worker and source are one assignment."""
    out: list[Interval] = []
    for i in intervals:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.caseworker_id == i.caseworker_id
            and prev.source == i.source
            and prev.end == i.start
        ):
            out[-1] = replace(prev, end=i.end)
        else:
            out.append(i)
    return out


def _keep_ids(intervals: list[Interval], stored: list[Interval]) -> list[Interval]:
    """Match the new intervals to stored rows (same start, case worker and source),
    so an unchanged history writes nothing; the team of a kept row stays."""
    by_key = {(i.start, i.caseworker_id, i.source): i for i in stored}
    out = []
    for i in intervals:
        old = by_key.get((i.start, i.caseworker_id, i.source))
        out.append(replace(i, pk=old.pk, team_id=old.team_id) if old else i)
    return out

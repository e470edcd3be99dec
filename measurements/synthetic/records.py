"""What the generators describe and the writer writes: one citizen's spell with its
case-worker history, rounds, interventions and outcomes, in memory (plain values,
user and type ids, no model instances), so the same writer serves every generator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# One respondent's answers, in the order of F.CASEWORKER_INDICATORS or
# F.CITIZEN_INDICATORS: 1-5, or a missing reason ("dont_know", "declined").
Part = tuple[int | str, ...]


@dataclass(slots=True)
class RoundSpec:
    day: date
    caseworker: int  # user id: the case worker at the time
    cw: Part
    cit: Part | None  # None: the citizen's part was begun but not submitted
    cw_channel: str = "screen"
    cit_channel: str = "screen"


@dataclass(slots=True)
class EpisodeSpec:
    type_id: int
    start: date
    end: date | None
    provider: str = ""
    created_by: int | None = None


@dataclass(slots=True)
class OutcomeSpec:
    kind: str
    day: date
    source: str = "manual"


@dataclass(slots=True)
class Spell:
    """A citizen enrolled once. `assignments` are (case worker id, from, to), the
    last one current; the citizen's case worker is the last one's."""

    name: str
    born: date
    target_group: str  # code
    start: date
    assignments: list[tuple[int, date, date | None]]
    end: date | None = None
    end_reason: str = ""
    rounds: list[RoundSpec] = field(default_factory=list)
    episodes: list[EpisodeSpec] = field(default_factory=list)
    outcomes: list[OutcomeSpec] = field(default_factory=list)
    cpr: str | None = None  # ten digits; None: the writer hands one out

    def close(self, day: date, reason: str) -> None:
        """The spell ends (a job, education): so does the current assignment."""
        self.end, self.end_reason = day, reason
        worker, start, _end = self.assignments[-1]
        self.assignments[-1] = (worker, start, day)

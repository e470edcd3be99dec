"""A synthetic cohort written as the import formats' files (docs/import-formats.md):
citizens, historic rounds (one answer a row, with each round's case worker),
outcomes and the exact case-worker history. A municipality's first load, as an admin
would do it, for the tests and the import benchmark."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO

import numpy as np

from measurements.scoring import features as F
from measurements.synthetic.cohort import Cohort
from measurements.synthetic.people import CprNumbers

EPISODE_TYPES = ("job_search", "social_mentor", "company_internship", "everyday_coping")


@dataclass
class CohortFiles:
    """The files' rows (header first) and the generator's truth behind them."""

    citizens: list[list[str]] = field(default_factory=list)
    rounds: list[list[str]] = field(default_factory=list)
    outcomes: list[list[str]] = field(default_factory=list)
    assignments: list[list[str]] = field(default_factory=list)
    episodes: list[list[str]] = field(default_factory=list)
    # (generator citizen index, round date) -> the case worker of that round
    caseworker_at: dict[tuple[int, date], str] = field(default_factory=dict)
    cpr_of: dict[int, str] = field(default_factory=dict)

    def csv(self, name: str) -> bytes:
        return to_csv(getattr(self, name))


def to_csv(rows: Sequence[Sequence[object]], delimiter: str = ";") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def write_rows(fh: IO[str], rows: Iterator[Sequence[object]]) -> None:
    csv.writer(fh, delimiter=";", lineterminator="\n").writerows(rows)


def cohort_files(
    cohort: Cohort,
    *,
    team: str,
    caseworkers: Sequence[str],
    seed: int = 0,
    after_outcome: bool = False,
    until: date | None = None,
) -> CohortFiles:
    """Each generator citizen becomes a CPR with a spell from its first round; a
    change of case worker in the truth panel names the next case worker from that
    round on (the citizens file names the current one, as a case-management extract
    would); an event becomes an ordinary job inside its window. Every other round
    has an intervention episode in the quarter before it. With `after_outcome`, a
    citizen whose job ended the spell comes back: a round and an episode after the
    job date (what a register and a case-management extract hold side by side).
    Rounds after `until` (default: today) are left out, as a real history has none."""
    until = until or date.today()  # noqa: DTZ011 - a date, not a moment
    rng = np.random.default_rng(seed)
    files = CohortFiles()
    files.citizens.append(
        ["cpr", "navn", "team", "sagsbehandler", "startdato", "målgruppe"]
    )
    files.rounds.append(
        ["cpr", "dato", "besvarer", "indikator", "svar", "sagsbehandler"]
    )
    files.outcomes.append(["cpr", "udfald", "dato"])
    files.assignments.append(["cpr", "sagsbehandler", "fra"])
    files.episodes.append(["cpr", "type", "start", "slut", "leverandør", "timer"])
    numbers = CprNumbers()
    for index, rows in cohort.panel.groupby("citizen_id"):
        rows = rows.sort_values("round_date")
        first = rows.iloc[0]
        digits = numbers.next(first["birth_date"])
        number = f"{digits[:6]}-{digits[6:]}"
        files.cpr_of[int(index)] = number
        worker = 0
        history = [(first["spell_start"], caseworkers[0])]
        for row in rows.itertuples():
            if row.round_date > until:
                break
            if row.cw_change:
                worker = (worker + 1) % len(caseworkers)
                history.append((row.round_date, caseworkers[worker]))
            name = caseworkers[worker]
            files.caseworker_at[(int(index), row.round_date)] = name
            day = f"{row.round_date:%d-%m-%Y}"
            values = row._asdict()
            for code in F.CASEWORKER_INDICATORS:
                value = int(values[f"cw_{code}"]) + 3
                files.rounds.append(
                    [number, day, "sagsbehandler", code, str(value), name]
                )
            if not row.cit_part_missing:
                for code in F.CITIZEN_INDICATORS:
                    value = int(values[f"cit_{code}"]) + 3
                    files.rounds.append([number, day, "borger", code, str(value), name])
            if row.quarter % 2 == 1:
                begin = max(first["spell_start"], row.round_date - timedelta(days=60))
                files.episodes.append(
                    [
                        number,
                        EPISODE_TYPES[int(rng.integers(len(EPISODE_TYPES)))],
                        f"{begin:%d-%m-%Y}",
                        f"{row.round_date - timedelta(days=1):%d-%m-%Y}",
                        "Jobcentret",
                        "10",
                    ]
                )
            when = row.round_date + timedelta(
                days=int(rng.integers(1, F.WINDOW_DAYS + 1))
            )
            if row.event and when <= until:
                files.outcomes.append([number, "ordinært job", f"{when:%d-%m-%Y}"])
                back = when + timedelta(days=40)
                if after_outcome and back <= until:
                    files.caseworker_at[(int(index), back)] = name
                    for code in F.CASEWORKER_INDICATORS:
                        files.rounds.append(
                            [
                                number,
                                f"{back:%d-%m-%Y}",
                                "sagsbehandler",
                                code,
                                "3",
                                name,
                            ]
                        )
                    files.episodes.append(
                        [
                            number,
                            "job_search",
                            f"{when + timedelta(days=5):%d-%m-%Y}",
                            "",
                            "",
                            "",
                        ]
                    )
        files.citizens.append(
            [
                number,
                f"Syntetisk borger {index}",
                team,
                caseworkers[worker],
                f"{first['spell_start']:%d-%m-%Y}",
                first["target_group"],
            ]
        )
        for start, name in history:
            files.assignments.append([number, name, f"{start:%d-%m-%Y}"])
    return files

"""The citizen page's intervention timeline, on the same time axis as the indicator
charts: bars per group, quarters without any intervention hatched, parallel periods
marked. Drawn as SVG with attributes only (no inline styles: CSP); every fact in it is
also in the tables beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from interventions.mix import Mix, Span, mix_of, parallel_periods, window
from interventions.models import Group

WIDTH = 1000  # viewBox units
ROW = 22
LABEL = 0


@dataclass
class Timeline:
    lo: date
    hi: date
    rows: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(
        default_factory=list
    )  # quarters without intervention
    parallel: list[dict[str, Any]] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    height: int = 0

    def x(self, d: date) -> float:
        span = max((self.hi - self.lo).days, 1)
        return round(WIDTH * (min(max(d, self.lo), self.hi) - self.lo).days / span, 1)


def axis_range(starts: list[date], today: date) -> tuple[date, date]:
    lo = min(starts) if starts else today - timedelta(days=365)
    return lo, today


def build(
    *, episodes: list[Any], round_dates: list[date], lo: date, hi: date
) -> Timeline:
    t = Timeline(lo=lo, hi=hi)
    spans = [Span(e.type.group, e.start, e.end) for e in episodes]
    y = 0
    for group, label in Group.choices:
        bars = [
            {
                "x": t.x(e.start),
                "w": max(t.x(e.end or hi) - t.x(e.start), 2.0),
                "label": str(e.type),
                "start": e.start,
                "end": e.end,
            }
            for e in episodes
            if e.type.group == group
        ]
        t.rows.append({"group": group, "label": label, "y": y, "bars": bars})
        y += ROW
    for d in round_dates:
        start, end = window(d)
        if mix_of(spans, d) == Mix.NONE:
            t.gaps.append(
                {
                    "x": t.x(start),
                    "w": max(t.x(end) - t.x(start), 2.0),
                    "start": start,
                    "end": end,
                }
            )
        t.rounds.append({"x": t.x(d), "date": d})
    for a, b in parallel_periods(spans, lo, hi):
        t.parallel.append(
            {"x": t.x(a), "w": max(t.x(b) - t.x(a), 2.0), "start": a, "end": b}
        )
    t.height = y + ROW  # the parallel row
    year = lo.year
    while date(year, 1, 1) <= hi:
        d = date(year, 1, 1)
        if d >= lo:
            t.ticks.append({"x": t.x(d), "label": str(year)})
        year += 1
    return t

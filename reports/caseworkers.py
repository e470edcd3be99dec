"""The case-worker comparison page's figures (reports/comparison.py does the
statistics): from each case worker's stored sums to the rows, intervals and funnel
points a team leader reads. Pure; no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from reports.comparison import ABOVE, BELOW, WITHIN, Comparison, Sums, compare_sums
from reports.selectors import CaseworkerSums

MEASURES = (
    ("progress", _("Progress from one round to the next")),
    ("job", _("Started a job or education within three months")),
)
POSITIONS = {
    ABOVE: _("More than expected"),
    WITHIN: _("As expected"),
    BELOW: _("Fewer than expected"),
}


def quarter_label(day: date) -> str:
    return str(
        _("Q%(quarter)s %(year)s") % {"quarter": (day.month + 2) // 3, "year": day.year}
    )


@dataclass(frozen=True)
class Row:
    name: str
    suppressed: bool
    citizens: int | None = None
    units: int | None = None
    observed: int | None = None
    expected: float | None = None
    ratio: float | None = None
    low: float | None = None
    high: float | None = None
    position: str = ""
    position_label: Any = ""
    clear: bool = False  # outside the 99.8% limits too


@dataclass(frozen=True)
class Measure:
    key: str
    label: Any
    rows: tuple[Row, ...]
    chart: dict[str, Any]


def measures(sums: list[CaseworkerSums]) -> list[Measure]:
    """One comparison per measure, over the case workers with units in it."""
    out = []
    for key, label in MEASURES:
        have = [s for s in sums if s.oe.get(key, {}).get("n")]
        comparison = compare_sums(
            Sums(
                key=i,
                n_citizens=s.citizens,
                n_units=int(s.oe[key]["n"]),
                observed=s.oe[key]["o"],
                expected=s.oe[key]["e"],
                squares=s.oe[key]["s"],
            )
            for i, s in enumerate(have)
        )
        rows = tuple(
            _row(have[r.key].caseworker.get_full_name(), r) for r in comparison.rows
        )
        out.append(
            Measure(key=key, label=label, rows=rows, chart=_chart(rows, comparison))
        )
    return out


def _row(name: str, figures: Any) -> Row:
    if figures.suppressed:
        return Row(name=name, suppressed=True)
    return Row(
        name=name,
        suppressed=False,
        citizens=figures.n_citizens,
        units=figures.n_units,
        observed=figures.observed,
        expected=figures.expected,
        ratio=figures.ratio,
        low=figures.low,
        high=figures.high,
        position=figures.position95,
        position_label=POSITIONS.get(figures.position95, ""),
        clear=figures.position998 in (ABOVE, BELOW),
    )


def _chart(rows: tuple[Row, ...], comparison: Comparison) -> dict[str, Any]:
    """What the funnel plot draws: each shown case worker at (E, O/E) and the limits;
    suppressed case workers are not drawn."""
    return {
        "points": [
            {"x": round(r.expected, 4), "y": round(r.ratio, 4), "label": r.name}
            for r in rows
            if not r.suppressed and r.ratio is not None and r.expected
        ],
        "limits": [
            {
                "x": round(p.expected, 4),
                "lower95": None if p.lower95 is None else round(p.lower95, 4),
                "upper95": round(p.upper95, 4),
                "lower998": None if p.lower998 is None else round(p.lower998, 4),
                "upper998": round(p.upper998, 4),
            }
            for p in comparison.funnel
        ],
    }

"""Chart data for the citizen page. Every chart also renders as a table from the
same data, so nothing is shown only as a picture or only by colour."""

from __future__ import annotations

from datetime import date
from typing import Any

from bip.db import days_since_epoch
from measurements.indicators import INDICATORS
from measurements.models import Respondent, Round
from measurements.selectors import RoundView


def citizen_chart_data(
    rounds: list[RoundView], *, lo: date, hi: date
) -> dict[str, Any]:
    """x values are days since 1970-01-01, on the axis [lo, hi] shared with the
    intervention timeline, so both line up."""
    complete = [
        r
        for r in rounds
        if r.round.state == Round.State.COMPLETE and r.round.round_date
    ]
    labels = [r.round.round_date.strftime("%d.%m.%Y") for r in complete]
    xs = [days_since_epoch(r.round.round_date) for r in complete]
    indicators = []
    for ind in INDICATORS:
        series = {
            resp: [r.scores[resp][ind.code] for r in complete]
            for resp in Respondent.values
        }
        indicators.append(
            {
                "code": ind.code,
                "label": str(ind.label),
                "citizen": series[Respondent.CITIZEN],
                "caseworker": series[Respondent.CASEWORKER],
                "has_citizen": any(v is not None for v in series[Respondent.CITIZEN]),
                "rows": list(
                    zip(
                        labels,
                        series[Respondent.CASEWORKER],
                        series[Respondent.CITIZEN],
                        strict=True,
                    )
                ),
            }
        )
    latest_two = complete[-2:]
    radar = {
        "labels": [str(i.label) for i in INDICATORS],
        "rounds": [
            {
                "date": r.round.round_date.strftime("%d.%m.%Y"),
                "caseworker": [
                    r.scores[Respondent.CASEWORKER][i.code] for i in INDICATORS
                ],
                "citizen": [r.scores[Respondent.CITIZEN][i.code] for i in INDICATORS],
            }
            for r in latest_two
        ],
    }
    radar["rows"] = [
        {
            "label": str(ind.label),
            "values": [
                v
                for r in radar["rounds"]
                for v in (r["caseworker"][i], r["citizen"][i])
            ],
        }
        for i, ind in enumerate(INDICATORS)
    ]
    return {
        "axis": {"min": days_since_epoch(lo), "max": days_since_epoch(hi)},
        "xs": xs,
        "labels": labels,
        "changes": [r.caseworker_changed for r in complete],
        "indicators": indicators,
        "radar": radar,
    }

"""Scores as the citizen page shows them: the job probability per round under the
active model (with its version and kind), the progression class, what moved it since
the previous round, the progression per indicator, and what to work on (as the
recompute job stored it). A fixed number of queries, however many rounds the citizen
or the municipality has."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from bip.db import days_since_epoch
from measurements.indicators import BY_CODE, INDICATORS
from measurements.models import IndicatorScore, ModelVersion, Score
from measurements.scoring.associations import latest_snapshot
from measurements.scoring.checks import ModelUnusable
from measurements.scoring.versions import coefficients_from_json
from measurements.scoring.worklist import from_json, with_types

FLAG_LABELS = {
    "cw_change": gettext_lazy("Change of case worker"),
    "miss_cit": gettext_lazy("The citizen left questions unanswered"),
    "miss_cw": gettext_lazy("The case worker left questions unanswered"),
    "cit_part_missing": gettext_lazy("The citizen's part is missing"),
}


def feature_label(name: str) -> str:
    if name in FLAG_LABELS:
        return str(FLAG_LABELS[name])
    if name.startswith("cit_"):
        return _("%(indicator)s (citizen)") % {"indicator": BY_CODE[name[4:]].label}
    return _("%(indicator)s (case worker)") % {"indicator": BY_CODE[name[3:]].label}


def odds_change(log_odds: float) -> float:
    """A change on the log-odds scale as a percentage change of the odds."""
    return 100.0 * (math.exp(log_odds) - 1.0)


def current_scores(round_ids: list[int], model: ModelVersion) -> dict[int, Score]:
    """Per round, its current score under the active model; where there is none yet
    (a recompute still running), the newest current score of another version."""
    best: dict[int, Score] = {}
    for s in (
        Score.objects.filter(round_id__in=round_ids, superseded_at__isnull=True)
        .select_related("model_version")
        .order_by("computed_at", "pk")
    ):
        have = best.get(s.round_id)
        if have is None or have.model_version_id != model.pk:
            best[s.round_id] = s
    return best


def model_label(version: ModelVersion) -> str:
    return _("%(kind)s, version %(id)s") % {
        "kind": version.get_kind_display(),
        "id": version.pk,
    }


def citizen_scores(
    *, citizen: Any, rounds: list[Any], enrolments: list[Any], model: ModelVersion
) -> dict[str, Any]:
    complete = [r for r in rounds if r.round.state == "complete" and r.round.round_date]
    scores = current_scores([r.round.pk for r in complete], model)
    series = []
    for r in complete:
        s = scores.get(r.round.pk)
        r.score = s
        if s is None:
            continue
        series.append(
            {
                "round_id": r.round.pk,
                "x": days_since_epoch(r.round.round_date),
                "date": r.round.round_date,
                "p12": 100.0 * s.p12,
                "quarter": 100.0 * s.hazard_q,
                "klass": s.klass,
                "klass_label": s.get_klass_display() if s.klass else "",
                "model": model_label(s.model_version),
                "other_version": s.model_version_id != model.pk,
            }
        )
    latest = complete[-1] if complete else None
    latest_score = scores.get(latest.round.pk) if latest else None
    ended = next(
        (e for e in enrolments[:1] if e.end and e.end_reason in ("job", "education")),
        None,
    )
    out: dict[str, Any] = {
        "model": model,
        "model_label": model_label(model),
        "series": series,
        "latest": latest_score,
        "latest_round": latest.round if latest else None,
        "ended": ended,
        "progression": [],
        "moved": [],
        "other_moved": None,
        "first_of_spell": False,
        "comparable": False,
    }
    if latest_score is None or latest is None:
        return out
    same_spell = [
        r for r in complete if r.round.enrolment_id == latest.round.enrolment_id
    ]
    previous = same_spell[-2] if len(same_spell) > 1 else None
    out["first_of_spell"] = previous is None
    out["comparable"] = latest_score.delta_indicator_lp is not None
    table = progression_table(latest.round.pk)
    out["progression"] = table
    deltas = {
        (row["respondent"], row["indicator"]): row["delta_previous"]
        for row in table_rows(table)
    }
    moved = latest_score.contributions.get("moved", {})
    for name, value in sorted(moved.items(), key=lambda kv: -abs(kv[1]))[:6]:
        respondent = "citizen" if name.startswith("cit_") else "caseworker"
        indicator = name[4:] if respondent == "citizen" else name[3:]
        out["moved"].append(
            {
                "label": feature_label(name),
                "steps": deltas.get((respondent, indicator)),
                "odds": odds_change(value),
                "up": value > 0,
            }
        )
    previous_score = scores.get(previous.round.pk) if previous else None
    if (
        previous_score is not None
        and out["comparable"]
        and previous_score.model_version_id == latest_score.model_version_id
    ):
        # the rest of the change in the linear predictor: time in the programme, a
        # change of case worker, missing answers and their imputation, indicators
        # not comparable, age band and target group
        rest = (latest_score.lp - previous_score.lp) - (
            latest_score.delta_indicator_lp or 0.0
        )
        if abs(rest) > 1e-6:
            out["other_moved"] = odds_change(rest)
    return out


def progression_table(round_id: int) -> list[dict[str, Any]]:
    """Per indicator, both respondents' score in the round and its changes."""
    rows = {
        (s.indicator, s.respondent): s
        for s in IndicatorScore.objects.filter(round_id=round_id)
    }
    out = []
    for ind in INDICATORS:
        cells = {r: rows.get((ind.code, r)) for r in ("caseworker", "citizen")}
        if not any(cells.values()):
            continue
        out.append({"code": ind.code, "label": str(ind.label), **cells})
    return out


def table_rows(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in table:
        for respondent in ("caseworker", "citizen"):
            cell = row.get(respondent)
            if cell is not None:
                out.append(
                    {
                        "respondent": respondent,
                        "indicator": row["code"],
                        "delta_previous": cell.delta_previous,
                    }
                )
    return out


class Worklist(list):
    """What to work on, and why there is nothing: `reason`, a stored version whose
    coefficients or intervals cannot be used; `pending`, the recompute of the round
    under the active model has not stored it yet."""

    def __init__(
        self, items: Any = (), *, reason: str = "", pending: bool = False
    ) -> None:
        super().__init__(items)
        self.reason = reason
        self.pending = pending


def worklist(
    *,
    citizen: Any,
    model: ModelVersion,
    latest_round: Any,
    score: Score | None = None,
) -> Worklist:
    """What to work on for the citizen's latest round of the open spell, as the
    recompute job stored it with the round's `score` under the active model; the
    intervention types from the municipality's latest associations (one query).
    Nothing is computed here."""
    if latest_round is None or latest_round.enrolment.end is not None:
        return Worklist()
    stored = score.worklist if score is not None else None
    if (
        score is None
        or not isinstance(stored, dict)
        or score.model_version_id != model.pk
    ):
        try:
            coefficients_from_json(model.coefficients)
        except ModelUnusable as exc:  # its recompute fails: it would never appear
            return Worklist(reason=str(exc))
        return Worklist(pending=True)
    language = "en" if (get_language() or "da").startswith("en") else "da"
    reasons = stored.get("reason") or {}
    if reasons:
        return Worklist(reason=reasons.get(language) or next(iter(reasons.values())))
    found = from_json(stored.get("items") or [])
    if not found:
        return Worklist()
    snapshot = latest_snapshot(municipality_id=citizen.municipality_id)
    with_types(found, snapshot.data if snapshot else None)
    for s in found:
        s.label = str(BY_CODE[s.indicator].label)
        for t in s.types:
            t["name"] = t["label"].get(language) or t["code"]
    return Worklist(found)

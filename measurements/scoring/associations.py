"""Intervention associations (SPEC section 5, docs/model.md): progression in the next
round by intervention mix and by intervention type, adjusted for the starting level,
with counts and 95% intervals clustered by citizen. These are associations, not
effects: who gets which intervention is not random.

A pair is two consecutive complete rounds of a spell. Its interventions are those of
the later round's window (the 91 days up to its date, interventions/mix.py), so the
later round measures the progression that went with them. Computed by a job from the
stored scores and kept as a snapshot per municipality and per unit (job centre).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from bip.jobs import services as jobs
from bip.jobs.models import Job
from interventions.mix import Mix, Span, round_mixes, spans_by_enrolment
from interventions.models import InterventionEpisode, InterventionType
from measurements.models import AssociationSnapshot, IndicatorScore, Score
from measurements.scoring.versions import active_model, json_safe

KIND = "scores.associations"
# Below these, no estimate is shown ("too few observations"): an estimate needs at
# least this many pairs with the intervention, from at least this many citizens,
# and as many pairs without it.
MIN_PAIRS = 20
MIN_CITIZENS = 10
Z95 = 1.959964


def ols_clustered(
    y: np.ndarray, X: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Least squares with the sandwich covariance clustered by `groups`, with the
    usual small-sample factor G/(G-1) * (N-1)/(N-K) (as statsmodels' "cluster")."""
    n, k = X.shape
    bread = np.linalg.pinv(X.T @ X)
    beta = bread @ (X.T @ y)
    resid = y - X @ beta
    _, index = np.unique(groups, return_inverse=True)
    g = index.max() + 1 if len(index) else 0
    scores = X * resid[:, None]
    sums = np.column_stack(
        [np.bincount(index, weights=scores[:, j], minlength=g) for j in range(k)]
    )
    meat = sums.T @ sums
    factor = (g / (g - 1)) * ((n - 1) / (n - k)) if g > 1 and n > k else np.nan
    return beta, factor * (bread @ meat @ bread)


def _estimate(
    y: np.ndarray, X: np.ndarray, groups: np.ndarray, weights: np.ndarray
) -> dict[str, float]:
    beta, cov = ols_clustered(y, X, groups)
    est = float(weights @ beta)
    se = float(np.sqrt(max(weights @ cov @ weights, 0.0)))
    if not (np.isfinite(est) and np.isfinite(se)):
        # never shown as "too few observations": a failed job says what went wrong
        raise ValueError(f"a non-finite estimate ({est}, se {se})")
    return {"estimate": est, "low": est - Z95 * se, "high": est + Z95 * se}


def _enough(exposed: np.ndarray, citizens: np.ndarray) -> bool:
    return (
        int(exposed.sum()) >= MIN_PAIRS
        and int((~exposed).sum()) >= MIN_PAIRS
        and len(np.unique(citizens[exposed])) >= MIN_CITIZENS
    )


def read_pairs(*, municipality_id: int, model_version_id: int) -> pd.DataFrame:
    """One row per round with a previous round in its spell, from the current scores
    of one model version: the change in the indicator part of the linear predictor,
    the starting level, the class, the mix and the intervention types of its window."""
    scores = pd.DataFrame.from_records(
        list(
            Score.objects.filter(
                municipality_id=municipality_id,
                model_version_id=model_version_id,
                superseded_at__isnull=True,
            ).values_list(
                "round_id",
                "round__enrolment_id",
                "round__enrolment__citizen_id",
                "round__round_date",
                "round__team__unit_id",
                "indicator_lp",
                "delta_indicator_lp",
                "klass",
            )
        ),
        columns=[
            "round_id",
            "enrolment_id",
            "citizen_id",
            "round_date",
            "unit_id",
            "indicator_lp",
            "delta",
            "klass",
        ],
    )
    if scores.empty:
        return scores
    scores = scores.sort_values(["enrolment_id", "round_date", "round_id"])
    scores["start"] = scores.groupby("enrolment_id")["indicator_lp"].shift(1)
    scores["prev_round_id"] = scores.groupby("enrolment_id")["round_id"].shift(1)
    # a pair needs a change: none where no indicator compares with the previous round
    # (nothing answered in both, or the questions changed)
    pairs = scores[scores["start"].notna() & scores["delta"].notna()].reset_index(
        drop=True
    )
    episodes = list(
        InterventionEpisode.objects.filter(municipality_id=municipality_id).values_list(
            "enrolment_id", "type__group", "start", "end", "type__code"
        )
    )
    spans = spans_by_enrolment(e[:4] for e in episodes)
    codes: dict[int, list[tuple[Span, str]]] = defaultdict(list)
    for enrolment_id, group, start, end, code in episodes:
        codes[enrolment_id].append((Span(group, start, end), code))
    rounds = list(zip(pairs["enrolment_id"], pairs["round_date"], strict=True))
    mixes = [str(m) for m in round_mixes(rounds, spans)]
    types = []
    for enrolment_id, day in rounds:
        own = codes.get(enrolment_id, [])
        lo = day - timedelta(days=90)
        types.append(
            frozenset(
                code
                for s, code in own
                if s.start <= day and (s.end is None or s.end >= lo)
            )
        )
    pairs["mix"] = mixes
    pairs["types"] = types
    return pairs


def read_indicator_pairs(*, municipality_id: int) -> pd.DataFrame:
    """The case worker's rating per indicator in both rounds of each pair, where the
    indicator's questions did not change: the progress "on that indicator"."""

    rows = pd.DataFrame.from_records(
        list(
            IndicatorScore.objects.filter(
                municipality_id=municipality_id,
                respondent="caseworker",
                delta_previous__isnull=False,
                changed_previous=False,
            ).values_list("round_id", "indicator", "value", "delta_previous")
        ),
        columns=["round_id", "indicator", "value", "delta"],
    )
    rows["start"] = rows["value"] - rows["delta"]
    return rows


def by_mix(pairs: pd.DataFrame) -> list[dict[str, Any]]:

    if pairs.empty:
        return []
    y = pairs["delta"].to_numpy(dtype=float)
    start = pairs["start"].to_numpy(dtype=float)
    citizens = pairs["citizen_id"].to_numpy()
    others = [m for m in Mix.values if m != Mix.NONE]
    X = np.column_stack(
        [np.ones(len(y)), start - start.mean()]
        + [(pairs["mix"] == m).to_numpy(dtype=float) for m in others]
    )
    present = X.any(axis=0)
    out = []
    for m in Mix.values:
        mask = (pairs["mix"] == m).to_numpy()
        classes = pairs.loc[mask, "klass"].value_counts().to_dict()
        row: dict[str, Any] = {
            "mix": m,
            "n": int(mask.sum()),
            "citizens": len(np.unique(citizens[mask])),
            "classes": {
                k: int(classes.get(k, 0))
                for k in ("progress", "standstill", "regression")
            },
        }
        if int(mask.sum()) >= MIN_PAIRS and row["citizens"] >= MIN_CITIZENS:
            w = np.zeros(X.shape[1])
            w[0] = 1.0
            if m != Mix.NONE:
                w[2 + others.index(m)] = 1.0
            row.update(_estimate(y, X[:, present], citizens, w[present]))
        out.append(row)
    return out


def simultaneous_z(m: int) -> float:
    """The normal quantile for 95% intervals that hold for m comparisons at once
    (Bonferroni): with 21 intervention types, about one 95% interval in 20 excludes 0
    by chance alone."""
    # imported here: scipy takes a second to load, and only this job needs it
    from scipy.stats import norm

    return float(norm.ppf(1 - 0.025 / max(m, 1)))


def by_type(
    y: np.ndarray,
    base: np.ndarray,
    citizens: np.ndarray,
    types: pd.Series,
    codes: list[str],
) -> list[dict[str, Any]]:
    """Per intervention type: the adjusted difference in progression between pairs
    with and without it (`base` holds the constant and the starting-level columns),
    with its 95% interval and the simultaneous 95% interval over every type compared
    (`low_adj`, `high_adj`), which decides whether a type "clearly" went with
    progress."""
    out = []
    exposure = exposure_matrix(types, codes)
    for j, code in enumerate(codes):
        exposed = exposure[:, j]
        row: dict[str, Any] = {
            "code": code,
            "n": int(exposed.sum()),
            "citizens": len(np.unique(citizens[exposed])),
        }
        if _enough(exposed, citizens):
            X = np.column_stack([base, exposed.astype(float)])
            w = np.zeros(X.shape[1])
            w[-1] = 1.0
            row.update(_estimate(y, X, citizens, w))
        out.append(row)
    estimated = [r for r in out if "estimate" in r]
    z = simultaneous_z(len(estimated))
    for r in estimated:
        half = (r["high"] - r["low"]) / 2 * z / Z95
        r["low_adj"], r["high_adj"] = r["estimate"] - half, r["estimate"] + half
    return out


def exposure_matrix(types: pd.Series, codes: list[str]) -> np.ndarray:
    """Pairs x types: whether the type was in the pair's window (built once)."""
    column = {code: j for j, code in enumerate(codes)}
    out = np.zeros((len(types), len(codes)), dtype=bool)
    for i, found in enumerate(types):
        for code in found:
            j = column.get(code)
            if j is not None:
                out[i, j] = True
    return out


def _level_columns(start: np.ndarray) -> np.ndarray:
    """A constant and one column per starting level (rounded to a whole step) but the
    lowest present: adjusting for the level takes out regression to the mean."""
    levels = np.clip(np.rint(start), 1, 5)
    present = sorted(set(levels.tolist()))
    return np.column_stack(
        [np.ones(len(start))] + [(levels == v).astype(float) for v in present[1:]]
    )


def compute(
    pairs: pd.DataFrame, indicator_pairs: pd.DataFrame | None, labels: dict[str, Any]
) -> dict[str, Any]:
    codes = sorted(labels)
    data: dict[str, Any] = {
        "n_pairs": len(pairs),
        "n_citizens": int(pairs["citizen_id"].nunique()) if len(pairs) else 0,
        "by_mix": by_mix(pairs),
        "by_type": [],
        "by_indicator": {},
        "labels": labels,
        "min_pairs": MIN_PAIRS,
        "min_citizens": MIN_CITIZENS,
    }
    if pairs.empty:
        return data
    y = pairs["delta"].to_numpy(dtype=float)
    start = pairs["start"].to_numpy(dtype=float)
    base = np.column_stack([np.ones(len(y)), start - start.mean()])
    citizens = pairs["citizen_id"].to_numpy()
    data["by_type"] = by_type(y, base, citizens, pairs["types"], codes)
    if indicator_pairs is None or indicator_pairs.empty:
        return data
    joined = indicator_pairs.merge(
        pairs[["round_id", "citizen_id", "types"]], on="round_id"
    )
    for indicator, rows in joined.groupby("indicator"):
        data["by_indicator"][indicator] = by_type(
            rows["delta"].to_numpy(dtype=float),
            _level_columns(rows["start"].to_numpy(dtype=float)),
            rows["citizen_id"].to_numpy(),
            rows["types"],
            codes,
        )
    return data


def type_labels(municipality_id: int) -> dict[str, dict[str, str]]:
    """Names and groups of the intervention types in use (the municipality's own
    copies win over the shipped catalogue)."""

    labels: dict[str, dict[str, str]] = {}
    for code, group, da, en, own in (
        InterventionType.objects.filter(municipality_id=municipality_id)
        .values_list("code", "group", "label_da", "label_en", "municipality_id")
        .union(
            InterventionType.objects.filter(municipality__isnull=True).values_list(
                "code", "group", "label_da", "label_en", "municipality_id"
            )
        )
    ):
        if code not in labels or own is not None:
            labels[code] = {"group": group, "da": da, "en": en}
    return labels


# --- The job ---


def associations_request(*, municipality_id: int, by: Any = None) -> Any:
    """A waiting job of the municipality is reused; a running one is not (it may
    have read the scores already)."""

    waiting = Job.objects.filter(
        kind=KIND, municipality_id=municipality_id, state=Job.State.PENDING
    ).first()
    if waiting is not None:
        return waiting
    return jobs.enqueue(
        kind=KIND, municipality_id=municipality_id, requested_by=by, total=3
    )


def associations_job(claim: Any) -> None:

    municipality_id = claim.job.municipality_id
    model = active_model(municipality_id=municipality_id)
    pairs = read_pairs(municipality_id=municipality_id, model_version_id=model.pk)
    indicator_pairs = read_indicator_pairs(municipality_id=municipality_id)
    labels = type_labels(municipality_id)
    with transaction.atomic():
        claim.advance(progress=1)
    snapshots: list[tuple[int | None, dict[str, Any]]] = [
        (None, compute(pairs, indicator_pairs, labels))
    ]
    with transaction.atomic():
        claim.advance(progress=1)
    if len(pairs):
        for unit_id, rows in pairs.groupby("unit_id"):
            snapshots.append((int(unit_id), compute(rows, None, labels)))
    now = timezone.now()
    with transaction.atomic():
        AssociationSnapshot.objects.filter(municipality_id=municipality_id).delete()
        AssociationSnapshot.objects.bulk_create(
            [
                AssociationSnapshot(
                    municipality_id=municipality_id,
                    unit_id=unit_id,
                    model_version=model,
                    data=json_safe(data),
                    job_id=claim.job.pk,
                    computed_at=now,
                )
                for unit_id, data in snapshots
            ]
        )
        claim.advance(progress=1)
    claim.job.result = {"pairs": len(pairs), "snapshots": len(snapshots)}


def latest_snapshot(*, municipality_id: int, unit_id: int | None = None) -> Any:

    return (
        AssociationSnapshot.objects.filter(municipality_id=municipality_id)
        .filter(**({"unit_id": unit_id} if unit_id else {"unit__isnull": True}))
        .select_related("model_version")
        .order_by("-computed_at")
        .first()
    )

"""Progression (DESIGN section 5, docs/model.md): per indicator and respondent, the
score of a round and its change since the previous round and since the baseline (the
first complete round of the spell); and the progression class of a round from the
change in the indicator part of the model's linear predictor.

Everything here works on data frames for many rounds at once (a chunk of a recompute
job, or one citizen's spell), so a chunk costs the same few queries however many
rounds it holds.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from measurements.models import QuestionText
from measurements.scoring import features as F

# A change of at least ln(1.10) in the indicator part of the log-odds (about a 10%
# relative change of the quarterly odds of a job) is progress or regression.
DEFAULT_THRESHOLD = math.log(1.10)
PREFIX = {"citizen": "cit_", "caseworker": "cw_"}
# The columns of an IndicatorScore that indicator_table() computes, after the round.
INDICATOR_COLUMNS = (
    "respondent",
    "indicator",
    "value",
    "n_answered",
    "delta_previous",
    "delta_baseline",
    "changed_previous",
    "changed_baseline",
)


def feature_name(respondent: str, indicator: str) -> str:
    return PREFIX[respondent] + indicator


def question_signatures(version_ids: Iterable[int]) -> pd.DataFrame:
    """Per instrument version, respondent and indicator: a short fingerprint of the
    questions that feed the indicator (their codes and Danish texts). Two versions
    ask the same for an indicator exactly when their fingerprints are equal."""

    rows = QuestionText.objects.filter(
        question__version_id__in=list(version_ids),
        language="da",
        question__indicator__gt="",
    ).values_list(
        "question__version_id",
        "question__respondent",
        "question__indicator",
        "question__code",
        "text",
    )
    found: dict[tuple[int, str, str], list[tuple[str, str]]] = {}
    for version_id, respondent, indicator, code, text in rows:
        found.setdefault((version_id, respondent, indicator), []).append((code, text))
    return pd.DataFrame(
        [
            (*key, hashlib.sha1(repr(sorted(qs)).encode()).hexdigest()[:16])  # noqa: S324 - a fingerprint, not security
            for key, qs in found.items()
        ],
        columns=["instrument_version_id", "respondent", "indicator", "signature"],
    )


def round_order(rounds: pd.DataFrame) -> pd.DataFrame:
    """Rounds (round_id, enrolment_id, round_date, instrument_version_id) with their
    previous round and the spell's baseline round, ordered by spell, date and id."""
    r = rounds.sort_values(["enrolment_id", "round_date", "round_id"]).reset_index(
        drop=True
    )
    by_spell = r.groupby("enrolment_id", sort=False)
    r["prev_round_id"] = by_spell["round_id"].shift(1).astype("Int64")
    r["prev_version_id"] = by_spell["instrument_version_id"].shift(1).astype("Int64")
    r["base_round_id"] = by_spell["round_id"].transform("first")
    r["base_version_id"] = by_spell["instrument_version_id"].transform("first")
    return r


def indicator_table(
    rounds: pd.DataFrame,
    answers: pd.DataFrame,
    submitted: pd.DataFrame,
    signatures: pd.DataFrame,
) -> pd.DataFrame:
    """One row per round, submitted respondent and indicator that the round's version
    asks that respondent: the mean of the answered questions (NaN if none was
    answered), how many were answered, the changes since the previous round and the
    baseline, and whether the indicator's questions differ from those rounds'."""
    order = round_order(rounds)
    grid = order[["round_id", "instrument_version_id"]].merge(
        signatures, on="instrument_version_id"
    )
    grid = grid.merge(submitted, on=["round_id", "respondent"])
    answered = answers.dropna(subset=["value"])
    stats = (
        answered.groupby(["round_id", "respondent", "indicator"])["value"]
        .agg(value="mean", n_answered="size")
        .reset_index()
    )
    grid = grid.merge(stats, on=["round_id", "respondent", "indicator"], how="left")
    grid["n_answered"] = grid["n_answered"].fillna(0).astype(int)
    grid = grid.merge(
        order[
            [
                "round_id",
                "enrolment_id",
                "prev_round_id",
                "prev_version_id",
                "base_round_id",
                "base_version_id",
            ]
        ],
        on="round_id",
    )
    values = grid[["round_id", "respondent", "indicator", "value"]]
    sig = signatures.rename(columns={"signature": "other_signature"})
    for which in ("prev", "base"):
        other = values.rename(
            columns={"round_id": f"{which}_round_id", "value": f"{which}_value"}
        )
        grid = grid.merge(
            other, on=[f"{which}_round_id", "respondent", "indicator"], how="left"
        )
        grid = grid.merge(
            sig.rename(columns={"instrument_version_id": f"{which}_version_id"}),
            on=[f"{which}_version_id", "respondent", "indicator"],
            how="left",
        )
        has_other = grid[f"{which}_round_id"].notna() & (
            grid[f"{which}_round_id"] != grid["round_id"]
        )
        label = "previous" if which == "prev" else "baseline"
        grid[f"changed_{label}"] = has_other & (
            grid["other_signature"] != grid["signature"]
        )
        delta = grid["value"] - grid[f"{which}_value"]
        grid[f"delta_{label}"] = delta.where(has_other)
        grid = grid.drop(columns=["other_signature"])
    return grid[["round_id", "enrolment_id", *INDICATOR_COLUMNS]].reset_index(drop=True)


def movement(
    table: pd.DataFrame, coefficients: Mapping[str, float]
) -> tuple[pd.Series, pd.DataFrame]:
    """The change since the previous round in the indicator part of the linear
    predictor, per round, over indicators answered in both rounds whose questions did
    not change (NaN where there is none), and each such indicator's share of it."""
    comparable = table[
        table["delta_previous"].notna() & ~table["changed_previous"].astype(bool)
    ].copy()
    comparable["feature"] = [
        feature_name(r, i)
        for r, i in zip(comparable["respondent"], comparable["indicator"], strict=True)
    ]
    comparable["beta"] = comparable["feature"].map(coefficients).fillna(0.0)
    comparable["moved"] = comparable["beta"] * comparable["delta_previous"]
    total = comparable.groupby("round_id")["moved"].sum()
    return total, comparable[["round_id", "feature", "moved"]]


def classify(delta: pd.Series, threshold: float = DEFAULT_THRESHOLD) -> pd.Series:
    """progress / standstill / regression from the change in the indicator part of
    the linear predictor; blank where nothing was comparable (or the baseline)."""
    out = pd.Series("", index=delta.index, dtype=object)
    known = delta.notna()
    # a change exactly at the threshold is progress (or regression), also when the
    # sum of the moves lands a rounding error short of it
    edge = threshold - 1e-9
    out[known & (delta >= edge)] = "progress"
    out[known & (delta <= -edge)] = "regression"
    out[known & (delta.abs() < edge)] = "standstill"
    return out


def indicator_part(
    panel: pd.DataFrame, coefficients: Mapping[str, float]
) -> np.ndarray:
    """The part of the linear predictor a person can act on: both respondents'
    indicators, as the model sees them (imputed and centred)."""
    total = np.zeros(len(panel))
    for name in (*F.CIT, *F.CW):
        beta = coefficients.get(name, 0.0)
        if beta and name in panel:
            total += beta * panel[name].to_numpy(dtype=float)
    return total

"""The associations page's tables from a snapshot (measurements/scoring/associations.py):
counts suppressed (DESIGN section 2), changes on the log-odds scale shown as the
percentage change of the odds of a job."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import get_language

from interventions.mix import Mix
from reports.suppression import suppress, suppress_total

CLASSES = ("progress", "standstill", "regression")


def _odds(value: float | None) -> float | None:
    return None if value is None else 100.0 * (math.exp(value) - 1.0)


def _estimate(row: dict[str, Any]) -> dict[str, Any] | None:
    if row.get("estimate") is None:
        return None
    return {
        "estimate": _odds(row["estimate"]),
        "low": _odds(row["low"]),
        "high": _odds(row["high"]),
        "clear": row["low"] > 0 or row["high"] < 0,
    }


def association_tables(data: dict[str, Any]) -> dict[str, Any]:
    language = "en" if (get_language() or "da").startswith("en") else "da"
    labels = data.get("labels", {})
    mixes = []
    for row in data.get("by_mix", []):
        classes = suppress({k: row["classes"].get(k, 0) for k in CLASSES})
        mixes.append(
            {
                "label": Mix(row["mix"]).label,
                "n": suppress_total(row["n"]),
                "citizens": suppress_total(row["citizens"]),
                "classes": [classes[k] for k in CLASSES],
                "estimate": _estimate(row),
            }
        )
    types = []
    for row in data.get("by_type", []):
        if row["n"] == 0:
            continue  # never used in these rounds
        label = labels.get(row["code"], {})
        types.append(
            {
                "label": label.get(language) or row["code"],
                "group": label.get("group", ""),
                "n": suppress_total(row["n"]),
                "citizens": suppress_total(row["citizens"]),
                "estimate": _estimate(row),
                "sort": -(row["low"] if row.get("low") is not None else -1e9),
            }
        )
    types.sort(key=lambda t: (t["estimate"] is None, t["sort"], t["label"]))
    return {
        "pairs": suppress_total(data.get("n_pairs", 0)),
        "citizens": suppress_total(data.get("n_citizens", 0)),
        "mixes": mixes,
        "types": types,
        "min_pairs": data.get("min_pairs"),
        "min_citizens": data.get("min_citizens"),
    }

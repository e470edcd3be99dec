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


def _estimate(
    row: dict[str, Any], *, simultaneous: bool = False
) -> dict[str, Any] | None:
    """The estimate and its interval as a change of the odds; for intervention types
    the simultaneous interval over all types compared (when the snapshot has it)."""
    if row.get("estimate") is None:
        return None
    low, high = row["low"], row["high"]
    if simultaneous and row.get("low_adj") is not None:
        low, high = row["low_adj"], row["high_adj"]
    return {
        "estimate": _odds(row["estimate"]),
        "low": _odds(low),
        "high": _odds(high),
        "clear": low > 0 or high < 0,
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
                "estimate": _estimate(row, simultaneous=True),
                "sort": -(
                    row.get("low_adj", row["low"])
                    if row.get("low") is not None
                    else -1e9
                ),
            }
        )
    types.sort(key=lambda t: (t["estimate"] is None, t["sort"], t["label"]))
    return {
        "compared": sum(1 for t in types if t["estimate"] is not None),
        "pairs": suppress_total(data.get("n_pairs", 0)),
        "citizens": suppress_total(data.get("n_citizens", 0)),
        "mixes": mixes,
        "types": types,
        "min_pairs": data.get("min_pairs"),
        "min_citizens": data.get("min_citizens"),
    }

"""The associations page's tables from a snapshot (measurements/scoring/associations.py):
counts suppressed (DESIGN section 2), changes on the log-odds scale shown as the
percentage change of the odds of a job."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from django.utils.translation import get_language

from interventions.mix import Mix
from reports.suppression import MASK, suppress, suppress_total

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


def unit_masks(snapshots: list[dict[str, Any]]) -> list[set[tuple[str, str, str]]]:
    """Per unit snapshot, the counts to hide so that none of 1 to 4 can be recovered
    as the municipality's figure minus the other units' (the pairs of a municipality
    are split between its units): where only one unit's cell is small, the next
    smallest is hidden too."""
    cells: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
    for i, data in enumerate(snapshots):
        for row in data.get("by_mix", []):
            cells[("mix", row["mix"], "n")][i] = row["n"]
            for k in CLASSES:
                cells[("mix", row["mix"], k)][i] = row["classes"].get(k, 0)
        for row in data.get("by_type", []):
            cells[("type", row["code"], "n")][i] = row["n"]
    masks: list[set[tuple[str, str, str]]] = [set() for _ in snapshots]
    for key, values in cells.items():
        for i, shown in suppress(values).items():
            if shown == MASK:
                masks[i].add(key)
    return masks


def association_tables(
    data: dict[str, Any], masked: set[tuple[str, str, str]] | None = None
) -> dict[str, Any]:
    """The page's tables. Within a table, a row's counts and the counts of a column
    that add up to a total shown are suppressed together (DESIGN section 2);
    `masked` adds the cells hidden across units (unit_masks)."""
    masked = masked or set()
    language = "en" if (get_language() or "da").startswith("en") else "da"
    labels = data.get("labels", {})
    rows = data.get("by_mix", [])
    pairs = suppress({row["mix"]: row["n"] for row in rows})
    mixes = []
    for row in rows:
        classes = suppress({k: row["classes"].get(k, 0) for k in CLASSES})
        for k in CLASSES:
            if ("mix", row["mix"], k) in masked:
                classes[k] = MASK
        mixes.append(
            {
                "label": Mix(row["mix"]).label,
                "n": MASK if ("mix", row["mix"], "n") in masked else pairs[row["mix"]],
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
                "n": MASK
                if ("type", row["code"], "n") in masked
                else suppress_total(row["n"]),
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

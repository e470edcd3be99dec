"""The levels a fit estimates (DESIGN section 5): time in programme, age band and
target group, and the binary flags.

A level with too few rows, events or rows without an event cannot be estimated: its
coefficient runs off towards minus infinity with a standard error in the millions, or
(with no rows at all) its dummy column makes the design rank-deficient once another
band is the reference. So before a fit:

- a time or age band that is too small is merged into its adjacent band (the one with
  fewer rows, so two small bands join before either swallows a large one), smallest
  first, until every band group is large enough;
- a target group that is too small is merged into the reference group (target groups
  have no order, so no neighbour);
- the reference of each factor is its most populated group in the training data;
- a flag set on too few rows (or on nearly all) is left out.

Every merge and every flag left out is recorded with its figures and shown on the
model card. Scoring stays simple: the coefficients hold one value per band (merged
bands share their group's value, the reference group's is 0), and a target group the
fit did not estimate scores as the reference group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from measurements.scoring import features as F

MIN_ROWS = 50
MIN_EVENTS = 5  # and as many rows without an event: either way a coefficient runs off

BANDS = {"time_band": F.TIME_BANDS, "age_band": F.AGE_BANDS}
PREFIX = {"time_band": "time", "age_band": "age", "target_group": "tg"}
FACTORS = ("time_band", "age_band", "target_group")


def too_small(rows: int, events: int) -> bool:
    return rows < MIN_ROWS or events < MIN_EVENTS or rows - events < MIN_EVENTS


@dataclass(frozen=True)
class Factor:
    """The groups of levels estimated together (bands in order), and which group is
    the reference (coefficient 0)."""

    groups: tuple[tuple[Any, ...], ...]
    reference: int

    def group_of(self, level: Any) -> int | None:
        for i, group in enumerate(self.groups):
            if level in group:
                return i
        return None


@dataclass(frozen=True)
class Levels:
    time_band: Factor
    age_band: Factor
    target_group: Factor
    # {"factor", "level": [...], "into": [...], "rows", "events"}, in the order done
    merged: tuple[dict[str, Any], ...] = ()
    # {"feature", "rows", "events", "rows_without", "events_without"}
    left_out: tuple[dict[str, Any], ...] = ()

    def factor(self, name: str) -> Factor:
        return getattr(self, name)

    @property
    def reference_group(self) -> str:
        factor = self.target_group
        group = factor.groups[factor.reference] if factor.groups else ()
        return str(group[0]) if group else ""

    def left_out_names(self) -> set[str]:
        return {str(x["feature"]) for x in self.left_out}

    def columns(self) -> list[tuple[str, str, tuple[Any, ...]]]:
        """(factor, design column, levels) for every group but the references."""
        out = []
        for name in FACTORS:
            factor = self.factor(name)
            for i, group in enumerate(factor.groups):
                if i != factor.reference and group:
                    out.append((name, column_name(name, group), group))
        return out

    def band_values(self, name: str, params: dict[str, float]) -> tuple[float, ...]:
        """One log-odds per band: its group's coefficient, 0 for the reference group."""
        factor = self.factor(name)
        values = []
        for band in range(len(BANDS[name])):
            i = factor.group_of(band)
            if i is None or i == factor.reference:
                values.append(0.0)
            else:
                values.append(
                    float(params.get(column_name(name, factor.groups[i]), 0.0))
                )
        return tuple(values)

    def group_values(self, params: dict[str, float]) -> dict[str, float]:
        """Target groups the fit estimated; every other group scores as the reference."""
        factor = self.target_group
        return {
            str(group[0]): float(params[column_name("target_group", group)])
            for i, group in enumerate(factor.groups)
            if i != factor.reference
            and group
            and column_name("target_group", group) in params
        }

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            name: {
                "groups": [list(g) for g in self.factor(name).groups],
                "reference": self.factor(name).reference,
            }
            for name in FACTORS
        }
        out["merged"] = [dict(m) for m in self.merged]
        out["left_out"] = [dict(x) for x in self.left_out]
        return out

    @classmethod
    def from_json(cls, data: Any) -> Levels:
        """Raises ValueError where the stored levels cannot be read."""
        if not isinstance(data, dict):
            raise ValueError("levels: not an object")
        factors = {}
        for name in FACTORS:
            item = data.get(name)
            if not isinstance(item, dict):
                raise ValueError(f"levels: no {name}")
            groups = item.get("groups")
            reference = item.get("reference")
            if (
                not isinstance(groups, list)
                or not all(isinstance(g, list) for g in groups)
                or not isinstance(reference, int)
                or isinstance(reference, bool)
            ):
                raise ValueError(f"levels: {name} unreadable")
            if groups and not 0 <= reference < len(groups):
                raise ValueError(f"levels: {name} has no reference group")
            if name in BANDS and not all(
                isinstance(level, int) and 0 <= level < len(BANDS[name])
                for g in groups
                for level in g
            ):
                raise ValueError(f"levels: {name} has an unknown band")
            factors[name] = Factor(tuple(tuple(g) for g in groups), reference)
        merged = data.get("merged", [])
        left_out = data.get("left_out", [])
        if not isinstance(merged, list) or not isinstance(left_out, list):
            raise ValueError("levels: merges unreadable")
        return cls(
            **factors,
            merged=tuple(m for m in merged if isinstance(m, dict)),
            left_out=tuple(x for x in left_out if isinstance(x, dict)),
        )

    @classmethod
    def first_band_reference(
        cls, *, target_groups: list[str], reference_group: str = ""
    ) -> Levels:
        """The design of versions fitted before levels were stored: every band on its
        own against the first, the stored target groups against the reference."""
        bands = {
            name: Factor(tuple((i,) for i in range(len(b))), 0)
            for name, b in BANDS.items()
        }
        groups = [(reference_group,) if reference_group else ()]
        groups += [(g,) for g in target_groups if g != reference_group]
        return cls(
            time_band=bands["time_band"],
            age_band=bands["age_band"],
            target_group=Factor(tuple(groups), 0),
        )


def column_name(factor: str, group: tuple[Any, ...]) -> str:
    """A band group's column spans its bands (`age_18_30` for 18-24 and 25-29 merged);
    a target group's is its code."""
    if factor == "target_group":
        return f"tg_{group[0]}"
    bands = BANDS[factor]
    lo, hi = bands[min(group)][0], bands[max(group)][1]
    return f"{PREFIX[factor]}_{lo}_{hi or 'plus'}"


def choose(rows: pd.DataFrame) -> Levels:
    """The levels of a fit on `rows` (rows with known outcomes)."""
    merged: list[dict[str, Any]] = []
    time_band = _bands("time_band", rows, merged)
    age_band = _bands("age_band", rows, merged)
    target_group = _groups(rows, merged)
    return Levels(
        time_band=time_band,
        age_band=age_band,
        target_group=target_group,
        merged=tuple(merged),
        left_out=tuple(_flags(rows)),
    )


def _counts(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    return rows.groupby(by)["event"].agg(["size", "sum"])


def _bands(name: str, rows: pd.DataFrame, merged: list[dict[str, Any]]) -> Factor:
    counts = _counts(rows, name).reindex(range(len(BANDS[name])), fill_value=0)
    groups = [[int(band)] for band in counts.index]
    n = [int(x) for x in counts["size"]]
    events = [int(x) for x in counts["sum"]]
    while len(groups) > 1:
        small = [i for i in range(len(groups)) if too_small(n[i], events[i])]
        if not small:
            break
        i = min(small, key=lambda k: (n[k], k))
        j = min(
            (k for k in (i - 1, i + 1) if 0 <= k < len(groups)),
            key=lambda k: (n[k], k),
        )
        merged.append(
            {
                "factor": name,
                "level": list(groups[i]),
                "into": list(groups[j]),
                "rows": n[i],
                "events": events[i],
            }
        )
        lo, hi = min(i, j), max(i, j)
        groups[lo : hi + 1] = [groups[lo] + groups[hi]]
        n[lo : hi + 1] = [n[lo] + n[hi]]
        events[lo : hi + 1] = [events[lo] + events[hi]]
    reference = max(range(len(groups)), key=lambda k: (n[k], -k))
    return Factor(tuple(tuple(g) for g in groups), reference)


def _groups(rows: pd.DataFrame, merged: list[dict[str, Any]]) -> Factor:
    counts = _counts(rows, "target_group").sort_index()
    if counts.empty:
        return Factor((), 0)
    codes = [str(c) for c in counts.index]
    n = dict(zip(codes, (int(x) for x in counts["size"]), strict=True))
    events = dict(zip(codes, (int(x) for x in counts["sum"]), strict=True))
    reference = min(codes, key=lambda c: (-n[c], c))  # ties: the first by code
    into = [reference]
    kept = []
    for code in codes:
        if code == reference:
            continue
        if too_small(n[code], events[code]):
            into.append(code)
            merged.append(
                {
                    "factor": "target_group",
                    "level": [code],
                    "into": [reference],
                    "rows": n[code],
                    "events": events[code],
                }
            )
        else:
            kept.append((code,))
    return Factor((tuple(into), *kept), 0)


def _flags(rows: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    total, total_events = len(rows), int(rows["event"].sum()) if len(rows) else 0
    for name in F.FLAGS:
        if name not in rows:
            continue
        on = rows[name].to_numpy(dtype=float) != 0
        n = int(on.sum())
        if n in (0, total):
            continue  # constant: left out as absent from the data
        events = int(rows["event"].to_numpy()[on].sum())
        if too_small(n, events) or too_small(total - n, total_events - events):
            out.append(
                {
                    "feature": name,
                    "rows": n,
                    "events": events,
                    "rows_without": total - n,
                    "events_without": total_events - events,
                }
            )
    return out

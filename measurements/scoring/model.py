"""The discrete-time hazard model: the linear predictor, the quarterly hazard and the
12-month probability (DESIGN section 5)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from measurements.scoring import features as F


@dataclass(frozen=True)
class Coefficients:
    """Log-odds per unit of each feature; bands and target groups against the first
    band and the reference group (coefficients for the reference are 0)."""

    intercept: float
    features: Mapping[str, float]
    time_bands: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)
    age_bands: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)
    target_groups: Mapping[str, float] = field(default_factory=dict)

    def indicator_part(self, row: Mapping[str, float]) -> float:
        """The part of the linear predictor a person can act on: both respondents'
        indicators (used for the progression class)."""
        return sum(
            self.features.get(name, 0.0) * row.get(name, 0.0)
            for name in (*F.CIT, *F.CW)
        )


def linear_predictor(
    panel: pd.DataFrame, c: Coefficients, *, time_band: pd.Series | None = None
) -> np.ndarray:
    lp = np.full(len(panel), c.intercept, dtype=float)
    for name, beta in c.features.items():
        if name in panel:
            lp += beta * panel[name].to_numpy(dtype=float)
    bands = (time_band if time_band is not None else panel["time_band"]).to_numpy(
        dtype=int
    )
    lp += np.asarray(c.time_bands)[bands]
    lp += np.asarray(c.age_bands)[panel["age_band"].to_numpy(dtype=int)]
    if c.target_groups:
        lp += (
            panel["target_group"].map(c.target_groups).fillna(0.0).to_numpy(dtype=float)
        )
    return lp


def hazard(lp: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-lp))


def future_quarters(panel: pd.DataFrame) -> list[tuple[pd.DataFrame, pd.Series]]:
    """The four quarters of the 12-month horizon: indicators held at their latest
    values, time in programme advanced a quarter each step, no case-worker change in
    future quarters. Each: the rows and their time band."""
    months = panel["months_in_programme"].to_numpy(dtype=float)
    out = []
    for k in range(4):
        shifted = panel.copy()
        if k > 0:
            shifted["cw_change"] = 0
        bands = pd.Series(
            F.band_indexes(months + 3 * k, F.TIME_BANDS), index=panel.index
        )
        out.append((shifted, bands))
    return out


def probability_12m(panel: pd.DataFrame, c: Coefficients) -> np.ndarray:
    """1 - prod_{k=0..3} (1 - h(x, t + k)) over future_quarters(). Competing exits
    are ignored, so this is an upper bound."""
    survive = np.ones(len(panel))
    for shifted, bands in future_quarters(panel):
        survive *= 1.0 - hazard(linear_predictor(shifted, c, time_band=bands))
    return 1.0 - survive


def quarterly_from_annual(p_year: float) -> float:
    return 1.0 - (1.0 - p_year) ** 0.25


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))

"""Feature names of the job-probability model (DESIGN section 5)."""

from __future__ import annotations

import numpy as np

from measurements.indicators import INDICATORS

CITIZEN_INDICATORS = tuple(i.code for i in INDICATORS if i.citizen_rates)
CASEWORKER_INDICATORS = tuple(i.code for i in INDICATORS)

CIT = tuple(f"cit_{c}" for c in CITIZEN_INDICATORS)
CW = tuple(f"cw_{c}" for c in CASEWORKER_INDICATORS)
FLAGS = ("miss_cit", "miss_cw", "cit_part_missing", "cw_change")

WINDOW_DAYS = 91
TIME_BANDS = ((0, 3), (3, 6), (6, 12), (12, 24), (24, None))  # months in the spell
AGE_BANDS = ((18, 25), (25, 30), (30, 40), (40, 50), (50, None))  # years
TIME_LABELS = tuple(f"time_{lo}_{hi or 'plus'}" for lo, hi in TIME_BANDS)
AGE_LABELS = tuple(f"age_{lo}_{hi or 'plus'}" for lo, hi in AGE_BANDS)


def band_index(value: float, bands: tuple[tuple[int, int | None], ...]) -> int:
    for i, (lo, hi) in enumerate(bands):
        if value >= lo and (hi is None or value < hi):
            return i
    return 0  # below the first band (e.g. under 18): the reference band


def band_indexes(
    values: np.ndarray, bands: tuple[tuple[int, int | None], ...]
) -> np.ndarray:
    """band_index of every value at once (a missing value in the reference band)."""
    values = np.asarray(values, dtype=float)
    out = np.zeros(len(values), dtype=np.int64)
    for i, (lo, hi) in enumerate(bands):
        inside = values >= lo
        if hi is not None:
            inside &= values < hi
        out[inside] = i
    return out

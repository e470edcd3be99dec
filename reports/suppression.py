"""Small-cell suppression (DESIGN section 2): 1-4 citizens show as "<5", 0 as 0; where a
shown total and the other cells would reveal a single suppressed cell, the next
smallest cell is suppressed too."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

SMALL = 5
MASK = "<5"


def suppress(
    cells: Mapping[Hashable, int], *, total_shown: bool = True
) -> dict[Hashable, str]:
    out = {k: (MASK if 0 < v < SMALL else str(v)) for k, v in cells.items()}
    hidden = [k for k, v in out.items() if v == MASK]
    if total_shown and len(hidden) == 1:
        candidates = sorted(
            (v, str(k), k) for k, v in cells.items() if k not in hidden and v > 0
        )
        if candidates:
            out[candidates[0][2]] = MASK
    return out


def suppress_total(total: int) -> str:
    return MASK if 0 < total < SMALL else str(total)

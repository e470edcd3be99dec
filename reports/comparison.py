"""Case workers compared, observed against expected (issue "Team-leader dashboards").

Per case worker: how many of their citizens' rounds were followed by what is counted
(progress, or a job or education start) against how many one would expect for those
very citizens, with an interval and a position against funnel limits around 1. Pure
functions on arrays; no database. The method and its assumptions:

- **Units.** One unit per round in the period (a citizen-quarter), credited to the
  case worker responsible at the round. Observed is 0 or 1, expected a probability.
  Job or education: observed = the first event falls in the round's 91-day window,
  expected = the model's quarterly hazard of the round (the panel's at-risk rows whose
  outcome is known). Progress: observed = the round's class is progress, expected =
  stratum_shares() over level_bands() of the indicator part at the previous round:
  indirect standardisation, so citizens who start low are compared with the
  municipality's citizens who start low (who progress more often, if only because a
  low reading tends to be followed by a higher one).
- **Centring** (`centre=True`): the expected probabilities are first shifted by one
  constant on the log-odds scale so that they add up to the observed total over all
  case workers passed. The comparison is then with colleagues in the same municipality
  and period, not with the model's overall level (the reference model comes from BIP's
  published effects, not from this municipality's rates). Progress expectations add up
  to the observed total already, so their shift is 0. One case worker far from the
  rest moves the centre a little, the more so the fewer case workers are compared.
- **Null distribution.** With no difference, a case worker's O is Poisson-binomial:
  mean E = sum p, variance V = sum p(1 - p). Its tails are taken from the binomial with
  the same mean and variance: m = E^2 / sum p^2 trials of probability q = E / m (m
  need not be whole: P(X >= k) = I_q(k, m - k + 1), the regularised incomplete beta).
  Where more were observed than m (probabilities that spread widely and nearly everyone
  with the outcome), m is raised to O, which widens the variance. With small p (job or
  education) this is the Poisson funnel of standardised ratios (Spiegelhalter 2005).
- **Mid-p.** Counts are whole numbers, so an exact test stays under its nominal level
  (about 3% outside "95%" limits in simulation, less when few events are expected,
  which hides real differences). The position and
  the interval use the mid-p value, P(X > O) + P(X = O) / 2, whose level is close to
  nominal on average: with no true difference, about 5% of case workers lie outside the
  95% limits and about 0.2% outside the 99.8% limits (tested). Where a case worker
  expects only one or two events, nothing but a large count can stand out, and fewer
  than 5% do.
- **Interval** for O/E: the mid-p interval for the binomial probability on m trials,
  divided by q (an interval on an effective sample size, as Korn and Graubard 1998 do
  for survey proportions). It is never negative and never above m / E <= n / E.
  **Position**: "above" when the mid-p value of O or more is at most 2.5% (99.8%
  limits: 0.1%), "below" likewise for O or fewer, else "within"; "above" is exactly
  when the 95% interval lies wholly above 1 (its lower end at or above 1).
- **Funnel** for drawing: the limits as a function of E for a caseload whose
  probabilities spread as the municipality's do (q pooled over all units). A case
  worker whose citizens' probabilities spread differently can sit slightly on the
  other side of a drawn line than its position says; the position and the interval
  are the case worker's own.
- **Small cells**: a case worker with fewer than 5 citizens (DESIGN section 2) is
  returned as Suppressed, without count, expectation or ratio, and is left out of the
  funnel's range of E.
- **Assumptions.** The expected probabilities are right up to the centring: what the
  model does not see and differs between caseloads shows as a difference between case
  workers (differences in caseloads remain). Units count as independent given their
  probabilities: a hazard model's rounds are, in effect (each round's event is
  conditional on none before it), while consecutive rounds of one citizen's progress
  are somewhat less so, which makes the progress limits a little narrow. The 95% limits are per case worker: among 40 case workers
  with no true difference, about 2 lie outside by chance; the 99.8% limits are for
  that.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from reports.suppression import SMALL

ABOVE, WITHIN, BELOW = "above", "within", "below"
NONE = ""  # nothing expected (E = 0): no ratio, so no position
LEVELS = (0.95, 0.998)
FUNNEL_POINTS = 50
# bisection on a bounded interval: 2^-60 of it is below any figure a page shows
STEPS = 60


@dataclass(frozen=True)
class Shown:
    """A case worker with at least 5 citizens. ratio, low and high are None where
    nothing was expected (E = 0)."""

    key: Hashable
    n_citizens: int
    n_units: int
    observed: int
    expected: float
    ratio: float | None
    low: float | None
    high: float | None
    position95: str
    position998: str
    suppressed: bool = field(default=False, init=False)


@dataclass(frozen=True)
class Suppressed:
    """A case worker with 1 to 4 citizens: no figures at all, only the key."""

    key: Hashable
    suppressed: bool = field(default=True, init=False)


@dataclass(frozen=True)
class FunnelPoint:
    """The limits of O/E at one E; a lower limit is None where no count, not even 0,
    would lie below it."""

    expected: float
    lower95: float | None
    upper95: float
    lower998: float | None
    upper998: float


@dataclass(frozen=True)
class Comparison:
    rows: tuple[Shown | Suppressed, ...]
    funnel: tuple[FunnelPoint, ...]
    # the municipality's sum p^2 / sum p (after centring): the funnel's q
    pooled_probability: float | None
    # the log-odds shift applied to every expected probability (None: not centred)
    shift: float | None


def level_bands(start: ArrayLike, *, bands: int = 5) -> np.ndarray:
    """Each unit's band (0 lowest) of its starting level among all the units given:
    quantile bands (quintiles by default), fewer where ties leave some empty."""
    x = np.asarray(start, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("every starting level must be a finite number")
    if x.size == 0:
        return np.zeros(0, dtype=int)
    inner = np.unique(np.quantile(x, np.arange(1, bands) / bands))
    return np.searchsorted(inner, x, side="right")


def stratum_shares(observed: ArrayLike, strata: ArrayLike) -> np.ndarray:
    """Per unit, the share observed among all the units of its stratum: the expected
    probability of indirect standardisation."""
    o = _binary(observed)
    labels = np.asarray(strata)
    if labels.shape != o.shape:
        raise ValueError("observed and strata differ in length")
    if o.size == 0:
        return np.zeros(0)
    _, index = np.unique(labels, return_inverse=True)
    index = index.reshape(-1)
    share = np.bincount(index, weights=o) / np.bincount(index)
    return share[index]


def centred(
    observed: ArrayLike, expected: ArrayLike
) -> tuple[np.ndarray, float | None]:
    """The expected probabilities shifted by one constant on the log-odds scale so that
    they add up to the observed total, and the shift; unchanged (shift None) where no
    shift can (no event at all, or every unit that could have one had one)."""
    o = _binary(observed)
    p = _probabilities(expected, like=o)
    target = float(o.sum())
    sure = float((p == 1.0).sum())
    open_ = (p > 0.0) & (p < 1.0)
    if not target > sure or not target < sure + open_.sum():
        return p, None
    lp = special.logit(p[open_])

    def excess(shift: float) -> float:
        return sure + float(special.expit(lp + shift).sum()) - target

    if abs(excess(0.0)) < 1e-9:
        return p, 0.0
    # excess() rises with the shift; its root lies inside the bracket because the
    # target is strictly between the sums at the two ends of the probability range
    low, high = -1.0, 1.0
    while excess(low) > 0:
        low *= 2
    while excess(high) < 0:
        high *= 2
    shift = float(optimize.brentq(excess, low, high, xtol=1e-12))
    out = p.copy()
    out[open_] = special.expit(lp + shift)
    return out, shift


def compare(
    *,
    caseworker: Iterable[Hashable],
    citizen: Iterable[Hashable],
    observed: ArrayLike,
    expected: ArrayLike,
    centre: bool = True,
    min_citizens: int = SMALL,
    funnel_points: int = FUNNEL_POINTS,
) -> Comparison:
    """Observed against expected per case worker, over units (one per round) given as
    parallel arrays: the case worker responsible at the round, the citizen, observed
    (0/1) and the expected probability. Rows come in order of each case worker's first
    unit."""
    o = _binary(observed)
    p = _probabilities(expected, like=o)
    workers = list(caseworker)
    citizens = list(citizen)
    if len(workers) != o.size or len(citizens) != o.size:
        raise ValueError("caseworker, citizen, observed and expected differ in length")
    shift = None
    if centre:
        p, shift = centred(o, p)
    codes: dict[Hashable, int] = {}
    index = np.fromiter(
        (codes.setdefault(w, len(codes)) for w in workers), dtype=int, count=o.size
    )
    k = len(codes)
    people: list[set[Hashable]] = [set() for _ in range(k)]
    for i, person in zip(index, citizens, strict=True):
        people[i].add(person)
    n_units = np.bincount(index, minlength=k)
    n_obs = np.bincount(index, weights=o, minlength=k)
    e = np.bincount(index, weights=p, minlength=k)
    s = np.bincount(index, weights=p * p, minlength=k)
    sums = [
        Sums(
            key=key,
            n_citizens=len(people[i]),
            n_units=int(n_units[i]),
            observed=float(n_obs[i]),
            expected=float(e[i]),
            squares=float(s[i]),
        )
        for key, i in codes.items()
    ]
    return compare_sums(
        sums, min_citizens=min_citizens, funnel_points=funnel_points, shift=shift
    )


@dataclass(frozen=True)
class Sums:
    """What the comparison needs of a case worker's units: their number, the citizens
    behind them, the observed count, and the sums of p and of p squared (already
    centred where wanted). Sums add up, so stored aggregates serve too."""

    key: Hashable
    n_citizens: int
    n_units: int
    observed: float
    expected: float
    squares: float


def compare_sums(
    sums: Iterable[Sums],
    *,
    min_citizens: int = SMALL,
    funnel_points: int = FUNNEL_POINTS,
    shift: float | None = None,
) -> Comparison:
    """compare() from each case worker's sums, in the order given."""
    sums = list(sums)
    n_citizens = np.array([x.n_citizens for x in sums], dtype=int)
    n_units = np.array([x.n_units for x in sums], dtype=int)
    n_obs = np.array([x.observed for x in sums], dtype=float).round().astype(int)
    e = np.array([x.expected for x in sums], dtype=float)
    s = np.array([x.squares for x in sums], dtype=float)

    # E = 0 (nothing expected): shown, but no ratio; sum p^2 underflows only for
    # probabilities of about 1e-160, where there is nothing to compare either
    figured = (n_citizens >= min_citizens) & (e > 0) & (s > 0)
    ratio, low, high, positions = _figures(n_obs[figured], e[figured], s[figured])
    at = np.cumsum(figured) - 1  # a case worker's place in the figures
    rows: list[Shown | Suppressed] = []
    for i, x in enumerate(sums):
        if n_citizens[i] < min_citizens:
            rows.append(Suppressed(key=x.key))
            continue
        figures: dict[str, Any] = {
            "ratio": None,
            "low": None,
            "high": None,
            "position95": NONE,
            "position998": NONE,
        }
        if figured[i]:
            j = at[i]
            figures = {
                "ratio": float(ratio[j]),
                "low": float(low[j]),
                "high": float(high[j]),
                "position95": positions[0][j],
                "position998": positions[1][j],
            }
        rows.append(
            Shown(
                key=x.key,
                n_citizens=int(n_citizens[i]),
                n_units=int(n_units[i]),
                observed=int(n_obs[i]),
                expected=float(e[i]),
                **figures,
            )
        )
    total = float(e.sum())
    pooled = float(s.sum()) / total if total > 0 else None
    points: tuple[FunnelPoint, ...] = ()
    if pooled is not None and pooled < 1 and figured.any():
        points = funnel(
            low=float(e[figured].min()),
            high=float(e[figured].max()),
            pooled_probability=pooled,
            points=funnel_points,
        )
    return Comparison(
        rows=tuple(rows), funnel=points, pooled_probability=pooled, shift=shift
    )


def funnel(
    *, low: float, high: float, pooled_probability: float, points: int = FUNNEL_POINTS
) -> tuple[FunnelPoint, ...]:
    """The limits of O/E at `points` values of E spaced evenly on a log scale from low
    to high (one point where they are equal), for a caseload whose probabilities
    spread as the pooled ones do: O/E at or above an upper limit lies above, at or
    below a lower limit below. A lower limit is None where no count, not even 0, would
    lie below it."""
    q = pooled_probability
    if not 0 < low <= high or not 0 < q < 1:
        raise ValueError("a funnel needs 0 < low <= high and 0 < probability < 1")
    grid = np.geomspace(low, high, points) if high > low else np.array([low])
    m = grid / q
    lower: list[list[float | None]] = []
    upper: list[np.ndarray] = []
    for level in LEVELS:
        alpha = (1 - level) / 2
        # _mid_p() falls as the count rises, from _mid_p(0) to 0 at m + 1
        upper.append(_solve_count(m, q, alpha) / grid)
        below = _mid_p(np.zeros_like(m), m, q) >= 1 - alpha
        counts = _solve_count(m, q, 1 - alpha)
        lower.append(
            [
                float(c / x) if b else None
                for c, x, b in zip(counts, grid, below, strict=True)
            ]
        )
    return tuple(
        FunnelPoint(
            expected=float(grid[i]),
            lower95=lower[0][i],
            upper95=float(upper[0][i]),
            lower998=lower[1][i],
            upper998=float(upper[1][i]),
        )
        for i in range(grid.size)
    )


def funnel_point(*, expected: float, pooled_probability: float) -> FunnelPoint:
    """The limits at one E (funnel() on a single point)."""
    return funnel(low=expected, high=expected, pooled_probability=pooled_probability)[0]


def _figures(
    observed: np.ndarray, expected: np.ndarray, squares: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[str]]]:
    """O/E, its 95% interval and the positions at each level, for case workers with
    E > 0, from the binomial with their E and variance (module docstring)."""
    o = observed.astype(float)
    m = np.maximum(expected * expected / squares, o)
    q = expected / m
    tail = _mid_p(o, m, q)
    positions = []
    for level in LEVELS:
        alpha = (1 - level) / 2
        positions.append(
            [ABOVE if t <= alpha else BELOW if 1 - t <= alpha else WITHIN for t in tail]
        )
    alpha = (1 - LEVELS[0]) / 2
    low = _solve_probability(o, m, alpha) / q
    high = _solve_probability(o, m, 1 - alpha) / q
    return o / expected, low, high, positions


def _tail(k: np.ndarray, m: np.ndarray, q: np.ndarray | float) -> np.ndarray:
    """P(X >= k) for X binomial on m (real) trials of probability q: 1 at k <= 0,
    I_q(k, m - k + 1) in between, 0 from k = m + 1 on."""
    k, m, q = np.broadcast_arrays(
        np.asarray(k, dtype=float),
        np.asarray(m, dtype=float),
        np.asarray(q, dtype=float),
    )
    out = np.where(k <= 0, 1.0, 0.0)
    inside = (k > 0) & (k < m + 1)
    out[inside] = special.betainc(k[inside], m[inside] - k[inside] + 1, q[inside])
    return out


def _mid_p(k: np.ndarray, m: np.ndarray, q: np.ndarray | float) -> np.ndarray:
    """P(X > k) + P(X = k) / 2: the mid-p value of k or more."""
    return 0.5 * (_tail(k, m, q) + _tail(k + 1.0, m, q))


def _solve_probability(
    observed: np.ndarray, m: np.ndarray, target: float
) -> np.ndarray:
    """Per case worker, the q in [0, 1] at which the mid-p value of `observed` or more
    equals target (it rises with q); 0 or 1 where it stays above or below target."""
    low, high = np.zeros_like(m), np.ones_like(m)
    for _ in range(STEPS):
        mid = (low + high) / 2
        rising = _mid_p(observed, m, mid) < target
        low = np.where(rising, mid, low)
        high = np.where(rising, high, mid)
    out = (low + high) / 2
    out[_mid_p(observed, m, np.zeros_like(m)) >= target] = 0.0
    out[_mid_p(observed, m, np.ones_like(m)) <= target] = 1.0
    return out


def _solve_count(m: np.ndarray, q: float, target: float) -> np.ndarray:
    """Per m, the real count in [0, m + 1] at which the mid-p value equals target (it
    falls as the count rises)."""
    low, high = np.zeros_like(m), m + 1.0
    for _ in range(STEPS):
        mid = (low + high) / 2
        falling = _mid_p(mid, m, q) > target
        low = np.where(falling, mid, low)
        high = np.where(falling, high, mid)
    return (low + high) / 2


def _binary(values: ArrayLike) -> np.ndarray:
    o = np.asarray(values, dtype=float).reshape(-1)
    if not np.isin(o, (0.0, 1.0)).all():
        raise ValueError("observed must be 0 or 1 for every unit")
    return o


def _probabilities(values: ArrayLike, *, like: np.ndarray) -> np.ndarray:
    p = np.asarray(values, dtype=float).reshape(-1)
    if p.shape != like.shape:
        raise ValueError("observed and expected differ in length")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError("every expected probability must lie in [0, 1]")
    return p

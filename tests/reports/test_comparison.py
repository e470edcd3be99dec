"""Case workers compared, observed against expected (reports/comparison.py): a case
worker whose citizens truly do better stands out; with no true difference about 5% lie
outside the 95% limits and about 0.2% outside the 99.8% limits; a caseload of fewer
than 5 citizens shows no figures; progress is expected from the same starting level."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import special, stats

from measurements.synthetic.cohort import generate
from reports import comparison as C

UNITS_PER_CITIZEN = 4  # a year of quarterly rounds


@pytest.fixture(scope="module")
def hazards() -> np.ndarray:
    """Quarterly hazards of job or education under the synthetic cohort's true model
    (about 2% a quarter, as in BIP)."""
    cohort = generate(n_citizens=600, seed=3)
    return special.expit(cohort.panel["true_lp"].to_numpy())


def caseloads(rng, sizes, draw, odds_ratios=None):
    """Units (case worker, citizen, observed, expected) for case workers with `sizes`
    units each: expected p from draw(rng, n); observed ~ Bernoulli of p with the odds
    multiplied by the case worker's true odds ratio (1: no difference)."""
    workers, expected, observed = [], [], []
    for w, n in enumerate(sizes):
        p = draw(rng, n)
        ratio = 1.0 if odds_ratios is None else odds_ratios[w]
        truth = special.expit(special.logit(p) + math.log(ratio))
        workers += [w] * n
        expected.append(p)
        observed.append((rng.random(n) < truth).astype(int))
    citizens = [f"{w}-{i // UNITS_PER_CITIZEN}" for w, i in _numbered(workers)]
    return workers, citizens, np.concatenate(observed), np.concatenate(expected)


def _numbered(workers):
    seen: dict[int, int] = {}
    for w in workers:
        seen[w] = seen.get(w, -1) + 1
        yield w, seen[w]


def test_a_caseworker_whose_citizens_truly_do_better_stands_out(hazards):
    """Twelve caseloads of 2,000 citizen-quarters (about 40 expected job or education
    starts each); case worker 0's citizens have twice the odds the model gives them.
    Over 200 seeds this case worker lies above the 95% limits in 99% of them and has
    the highest ratio in 99.5% (the 99.8% limits: 94%)."""
    rng = np.random.default_rng(11)
    data = caseloads(
        rng, [2000] * 12, lambda r, n: r.choice(hazards, n), [2.0] + [1.0] * 11
    )
    result = C.compare(
        caseworker=data[0], citizen=data[1], observed=data[2], expected=data[3]
    )
    best, *others = result.rows
    assert best.key == 0
    assert best.low > 1
    limits = C.funnel_point(
        expected=best.expected, pooled_probability=result.pooled_probability
    )
    assert best.ratio >= limits.upper95
    assert best.position95 == C.ABOVE
    assert best.ratio > max(r.ratio for r in others)


@pytest.mark.parametrize(
    ("regime", "units"),
    [("progress", (30, 80)), ("job", (200, 600))],
)
def test_with_no_true_difference_about_5_percent_lie_outside(hazards, regime, units):
    """400 case workers, no true difference. Progress-like probabilities vary widely
    by citizen (Beta(2, 4), mean 1/3); job-like ones are the cohort's hazards, with
    caseloads large enough to expect a few starts (with one or two, fewer stand out:
    see the module docstring)."""
    rng = np.random.default_rng(2026)
    draw = (
        (lambda r, n: r.beta(2, 4, n))
        if regime == "progress"
        else (lambda r, n: r.choice(hazards, n))
    )
    sizes = rng.integers(units[0], units[1] + 1, size=400)
    data = caseloads(rng, sizes, draw)
    rows = C.compare(
        caseworker=data[0], citizen=data[1], observed=data[2], expected=data[3]
    ).rows
    assert len(rows) == 400
    assert not any(r.suppressed for r in rows)
    outside95 = np.mean([r.position95 != C.WITHIN for r in rows])
    outside998 = np.mean([r.position998 != C.WITHIN for r in rows])
    assert 0.02 <= outside95 <= 0.09
    assert outside998 <= 0.015
    # the interval lies wholly above (below) 1 exactly when the position says so
    for r in rows:
        assert (r.position95 == C.ABOVE) == (r.low >= 1 - 1e-9)
        assert (r.position95 == C.BELOW) == (r.high <= 1 + 1e-9)
        assert r.low <= r.ratio <= r.high


def test_the_drawn_funnel_agrees_with_the_positions():
    """Where a caseload's probabilities spread as the municipality's (here: all equal),
    O/E at or beyond a drawn limit is exactly what the position says. Some case
    workers truly do better or worse, so every position occurs."""
    rng = np.random.default_rng(5)
    data = caseloads(
        rng,
        rng.integers(20, 300, size=60),
        lambda r, n: np.full(n, 0.3),
        [2.5] * 8 + [0.4] * 8 + [1.0] * 44,
    )
    result = C.compare(
        caseworker=data[0], citizen=data[1], observed=data[2], expected=data[3]
    )
    assert len(result.funnel) == C.FUNNEL_POINTS
    assert result.funnel[0].expected == pytest.approx(
        min(r.expected for r in result.rows)
    )
    for r in result.rows:
        limits = C.funnel_point(
            expected=r.expected, pooled_probability=result.pooled_probability
        )
        for level, low, high in (
            ("position95", limits.lower95, limits.upper95),
            ("position998", limits.lower998, limits.upper998),
        ):
            expected_position = (
                C.ABOVE
                if r.ratio >= high
                else C.BELOW
                if low is not None and r.ratio <= low
                else C.WITHIN
            )
            assert getattr(r, level) == expected_position
    for level in ("position95", "position998"):
        assert {getattr(r, level) for r in result.rows} == {C.ABOVE, C.BELOW, C.WITHIN}


def test_fewer_than_5_citizens_are_suppressed_and_no_figure_leaks():
    """Case worker "few" has 4 citizens with many rounds, the largest E of all: the row
    carries no count, expectation or ratio, and the funnel's range stops at the largest
    case worker shown."""
    rng = np.random.default_rng(7)
    workers, citizens, observed, expected = caseloads(
        rng, [40, 60, 80], lambda r, n: r.beta(2, 4, n)
    )
    few = 4 * 100
    workers += ["few"] * few
    citizens += [f"few-{i % 4}" for i in range(few)]
    p_few = np.full(few, 0.5)
    result = C.compare(
        caseworker=workers,
        citizen=citizens,
        observed=np.concatenate([observed, np.ones(few, dtype=int)]),
        expected=np.concatenate([expected, p_few]),
    )
    row = next(r for r in result.rows if r.key == "few")
    assert row.suppressed
    assert dataclasses.asdict(row) == {"key": "few", "suppressed": True}
    shown = [r for r in result.rows if r.key != "few"]
    assert not any(r.suppressed for r in shown)
    assert result.funnel[-1].expected == pytest.approx(max(r.expected for r in shown))
    # five citizens are enough
    five = C.compare(
        caseworker=["a"] * 10,
        citizen=[i % 5 for i in range(10)],
        observed=[0, 1] * 5,
        expected=[0.4] * 10,
    )
    assert not five.rows[0].suppressed
    assert five.rows[0].n_citizens == 5


def test_progress_is_expected_from_the_same_starting_level():
    """Citizens who start low progress more often. Case worker "low" has only low
    starters (half of the municipality's lowest band) and does as well as the other
    low starters: the expectation is the municipality's share among low starters, not
    the overall share, so "low" does not stand out."""
    rng = np.random.default_rng(3)
    start = rng.normal(0.0, 1.0, 3000)
    observed = (rng.random(3000) < special.expit(-0.5 - 1.2 * start)).astype(int)
    bands = C.level_bands(start)
    assert sorted(set(bands)) == [0, 1, 2, 3, 4]
    others = rng.choice(["b", "c", "d", "e"], 3000)
    workers = np.where((bands == 0) & (rng.random(3000) < 0.5), "low", others)
    assert set(workers[bands > 0]) == {"b", "c", "d", "e"}
    citizens = np.arange(3000)
    expected = C.stratum_shares(observed, bands)
    result = C.compare(
        caseworker=workers, citizen=citizens, observed=observed, expected=expected
    )
    assert result.shift == pytest.approx(0.0, abs=1e-9)
    low = next(r for r in result.rows if r.key == "low")
    share_low = observed[bands == 0].mean()
    assert share_low > 1.5 * observed.mean()
    assert low.expected == pytest.approx(low.n_units * share_low)
    assert low.position998 == C.WITHIN
    # against the overall share, the same case worker would have stood out
    naive = C.compare(
        caseworker=workers,
        citizen=citizens,
        observed=observed,
        expected=np.full(3000, observed.mean()),
    )
    assert next(r for r in naive.rows if r.key == "low").position998 == C.ABOVE


def test_nothing_expected_gives_no_ratio_and_no_error():
    rows = C.compare(
        caseworker=["zero"] * 10 + ["other"] * 10,
        citizen=list(range(20)),
        observed=[0] * 10 + [1, 0] * 5,
        expected=[0.0] * 10 + [0.5] * 10,
    ).rows
    zero = rows[0]
    assert (zero.observed, zero.expected, zero.ratio, zero.low, zero.high) == (
        0,
        0.0,
        None,
        None,
        None,
    )
    assert zero.position95 == zero.position998 == C.NONE
    nothing = C.compare(
        caseworker=["a"] * 6, citizen=range(6), observed=[0] * 6, expected=[0.0] * 6
    )
    assert nothing.funnel == ()
    assert nothing.pooled_probability is None
    assert nothing.rows[0].ratio is None


def test_nobody_observed_gives_ratios_of_0_without_centring():
    rng = np.random.default_rng(4)
    data = caseloads(rng, [40, 60, 200], lambda r, n: r.beta(2, 20, n))
    result = C.compare(
        caseworker=data[0], citizen=data[1], observed=np.zeros(300), expected=data[3]
    )
    assert result.shift is None  # no event to centre on: the model's expectations
    for r in result.rows:
        assert r.observed == 0
        assert r.ratio == r.low == 0.0
        assert r.high > 0
    # 200 units expecting about 18: none at all lies below even the 99.8% limits
    assert result.rows[2].position998 == C.BELOW
    assert result.rows[0].position95 in (C.WITHIN, C.BELOW)


def test_centring_compares_with_colleagues_not_with_the_models_level(hazards):
    """Every citizen in the municipality does 1.5 times as well (in odds) as the model
    says: uncentred, many case workers lie above; centred, the shift is the model's
    miss and about 5% lie outside."""
    rng = np.random.default_rng(8)
    sizes = rng.integers(200, 600, size=200)
    data = caseloads(rng, sizes, lambda r, n: r.choice(hazards, n), [1.5] * 200)
    kwargs = dict(caseworker=data[0], citizen=data[1], observed=data[2])
    raw = C.compare(**kwargs, expected=data[3], centre=False)
    centred = C.compare(**kwargs, expected=data[3])
    assert raw.shift is None
    assert centred.shift == pytest.approx(math.log(1.5), abs=0.1)
    assert np.mean([r.position95 == C.ABOVE for r in raw.rows]) > 0.1
    assert np.mean([r.position95 != C.WITHIN for r in centred.rows]) <= 0.09


def test_the_tails_are_the_poisson_binomials(hazards):
    """The binomial matched on E and sum p(1 - p) against the exact distribution
    (computed by convolution): the positions agree for nearly every caseload, and for
    small probabilities the funnel is the Poisson one."""
    rng = np.random.default_rng(9)
    caseloads = [rng.beta(1, 3, int(rng.integers(20, 120))) for _ in range(200)]
    observed = [(rng.random(p.size) < p).astype(int) for p in caseloads]
    rows = C.compare(
        caseworker=np.repeat(np.arange(200), [p.size for p in caseloads]),
        citizen=range(sum(p.size for p in caseloads)),
        observed=np.concatenate(observed),
        expected=np.concatenate(caseloads),
        centre=False,
    ).rows
    agree = 0
    for p, o, row in zip(caseloads, observed, rows, strict=True):
        pmf = np.array([1.0])
        for x in p:
            pmf = np.convolve(pmf, [1 - x, x])
        k = o.sum()
        mid = pmf[k + 1 :].sum() + pmf[k] / 2
        exact = C.ABOVE if mid <= 0.025 else C.BELOW if 1 - mid <= 0.025 else C.WITHIN
        agree += row.position95 == exact
    assert agree >= 196
    limits = C.funnel_point(expected=5.0, pooled_probability=1e-7)
    for k in range(15):
        poisson_mid = stats.poisson.sf(k, 5.0) + stats.poisson.pmf(k, 5.0) / 2
        assert (poisson_mid <= 0.025) == (k / 5.0 >= limits.upper95)
        assert (1 - poisson_mid <= 0.025) == (
            limits.lower95 is not None and k / 5.0 <= limits.lower95
        )


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        ([0, 2], [0.1, 0.1]),
        ([0, 1], [0.1, 1.2]),
        ([0, 1], [0.1, np.nan]),
        ([0], [0.1, 0.2]),
    ],
)
def test_bad_input_is_refused(observed, expected):
    with pytest.raises(ValueError, match=r"observed|expected"):
        C.compare(
            caseworker=[1] * len(observed),
            citizen=range(len(observed)),
            observed=observed,
            expected=expected,
        )


def test_bad_starting_levels_are_refused():
    with pytest.raises(ValueError, match="finite"):
        C.level_bands([0.1, np.nan])


def test_stored_sums_give_the_same_comparison_as_the_units():
    """The dashboards store sums per cell; quarters added up compare the same."""
    rng = np.random.default_rng(7)
    n = 3000
    workers = rng.integers(0, 12, n)
    citizens = rng.integers(0, 900, n)
    p = rng.beta(2, 30, n)
    o = (rng.random(n) < p).astype(int)
    direct = C.compare(
        caseworker=workers.tolist(),
        citizen=citizens.tolist(),
        observed=o,
        expected=p,
        centre=False,
    )
    sums = []
    for w in dict.fromkeys(workers.tolist()):
        mine = workers == w
        sums.append(
            C.Sums(
                key=w,
                n_citizens=len(set(citizens[mine].tolist())),
                n_units=int(mine.sum()),
                observed=float(o[mine].sum()),
                expected=float(p[mine].sum()),
                squares=float((p[mine] ** 2).sum()),
            )
        )
    stored = C.compare_sums(sums)
    assert len(stored.rows) == len(direct.rows) == 12
    for a, b in zip(stored.rows, direct.rows, strict=True):
        assert dataclasses.asdict(a) == pytest.approx(dataclasses.asdict(b))
    assert stored.pooled_probability == pytest.approx(direct.pooled_probability)

"""Multi-seed study of the local fit (in memory): coverage of each coefficient's 95%
interval, the held-out C-statistic gap to the true model on the same rows, and the
distribution of the held-out calibration slope. Writes its table to stdout (Markdown).

Usage: python scripts/bench_models.py [--seeds 100] [--citizens 4000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bip.settings_test")
django.setup()

import numpy as np  # noqa: E402

from measurements.scoring.fitting import (  # noqa: E402
    FitRefused,
    c_statistic,
    fit_local,
    hazard,
    split_by_citizen,
    validate,
)
from measurements.synthetic.cohort import generate, true_params  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--citizens", type=int, default=4000)
    args = parser.parse_args()
    covered: dict[str, list[bool]] = {}
    gaps, slopes, refused = [], [], 0
    started = time.monotonic()
    for seed in range(args.seeds):
        cohort = generate(n_citizens=args.citizens, seed=seed)
        train, held = split_by_citizen(cohort.panel, fraction=0.25, seed=seed)
        try:
            fit = fit_local(train)
        except FitRefused:
            refused += 1
            continue
        # bands and groups against the fit's own reference levels
        truth = true_params(cohort.truth, fit.levels)
        for name, estimate in fit.params.items():
            if name in truth or name.startswith(("cit_", "cw_")):
                true = truth.get(name, 0.0)
                covered.setdefault(name, []).append(
                    abs(estimate - true) <= 1.96 * fit.se[name]
                )
        metrics = validate(held, fit.coefficients, bootstrap=0)
        rows = held[held["censored"] == 0]
        true_c = c_statistic(
            rows["event"].to_numpy(), hazard(rows["true_lp"].to_numpy())
        )
        gaps.append(metrics["c_statistic"] - true_c)
        slopes.append(metrics.get("calibration_slope", np.nan))
    seconds = time.monotonic() - started
    cov = {k: float(np.mean(v)) for k, v in covered.items()}
    slopes_a = np.array([s for s in slopes if not np.isnan(s)])
    gaps_a = np.array(gaps)
    out = sys.stdout
    out.write(
        f"Seeds: {args.seeds}, citizens per cohort: {args.citizens}, held-out fraction 0.25, refused fits: {refused}, "
        f"time: {seconds:.0f} s.\n\n"
    )
    out.write("| figure | value |\n|---|---|\n")
    out.write(
        f"| mean coverage of the 95% intervals (all coefficients) | {np.mean(list(cov.values())):.3f} |\n"
    )
    out.write(
        f"| lowest coverage of one coefficient | {min(cov.values()):.2f} ({min(cov, key=cov.get)}) |\n"
    )
    out.write(f"| held-out C gap to the true model: mean | {gaps_a.mean():+.4f} |\n")
    out.write(
        f"| held-out C gap: 5th / 95th percentile | {np.percentile(gaps_a, 5):+.4f} / {np.percentile(gaps_a, 95):+.4f} |\n"
    )
    out.write(f"| held-out calibration slope: median | {np.median(slopes_a):.3f} |\n")
    out.write(
        f"| calibration slope: 5th / 95th percentile | {np.percentile(slopes_a, 5):.3f} / {np.percentile(slopes_a, 95):.3f} |\n"
    )
    out.write("\nCoverage per coefficient:\n\n| coefficient | coverage |\n|---|---|\n")
    for name in sorted(cov):
        out.write(f"| `{name}` | {cov[name]:.2f} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

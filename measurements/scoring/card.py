"""The model card: what the model page shows of a stored version, read defensively.

A version may have been stored by an older release or by hand, with standard errors
in the millions, a covariance that is not positive semi-definite, NaN written as
text, or keys missing. Every value here is either a finite number or comes with the
reason it cannot be shown, so the page never fails on a stored version (DESIGN
section 5)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from measurements.scoring import checks
from measurements.scoring import levels as L
from measurements.scoring.checks import ModelUnusable, number
from measurements.scoring.model import Coefficients
from measurements.scoring.versions import coefficients_from_json
from measurements.scoring.worklist import Z95, Uncertainty

AGE_NAMES = ("18-24", "25-29", "30-39", "40-49", "50+")


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def odds_cell(item: Any) -> dict[str, Any]:
    """An odds ratio with its 95% interval, or the reason it cannot be shown."""
    if not isinstance(item, dict):
        return {"reason": _("not in this fit")}
    estimate, se = number(item.get("estimate")), number(item.get("se"))
    if estimate is None:
        return {"reason": _("no estimate stored")}
    if se is None:
        return {"reason": _("no standard error stored")}
    if se <= 0 or se > checks.MAX_SE:
        return {
            "reason": _("not estimable: standard error %(se)s on the log-odds scale")
            % {"se": f"{se:.3g}"}
        }
    try:
        return {
            "or": math.exp(estimate),
            "low": math.exp(estimate - Z95 * se),
            "high": math.exp(estimate + Z95 * se),
        }
    except OverflowError:
        return {
            "reason": _("too large to show: log-odds %(estimate)s")
            % {"estimate": f"{estimate:.3g}"}
        }


def odds_rows(final: Any, validation: Any) -> list[dict[str, Any]]:
    """Per feature, the final fit's odds ratio and the validation fit's."""
    final, validation = mapping(final), mapping(validation)
    names = sorted({str(n) for n in (*final, *validation)} - {"const"})
    return [
        {
            "name": name,
            "final": odds_cell(final.get(name)),
            "validation": odds_cell(validation.get(name)) if validation else None,
        }
        for name in names
    ]


def band_label(factor: str, group: tuple[Any, ...]) -> str:
    bands = L.BANDS[factor]
    lo, hi = bands[min(group)][0], bands[max(group)][1]
    if factor == "age_band":
        return f"{lo}+" if hi is None else f"{lo}-{hi - 1}"
    if hi is None:
        return _("%(lo)s+ months") % {"lo": lo}
    return _("%(lo)s-%(hi)s months") % {"lo": lo, "hi": hi}


def group_label(factor: str, group: tuple[Any, ...], labels: dict[str, str]) -> str:
    if factor == "target_group":
        return " + ".join(labels.get(str(code), str(code)) for code in group)
    return band_label(factor, group)


FACTOR_TITLES = {
    "time_band": lambda: _("Time in programme"),
    "age_band": lambda: _("Age"),
    "target_group": lambda: _("Target group"),
}


def describe_levels(data: Any, labels: dict[str, str]) -> dict[str, Any] | None:
    """The reference and the groups of each factor, and the merges and flags left
    out, as sentences. None for versions stored before levels were."""
    if not data:
        return None
    try:
        levels = L.Levels.from_json(data)
    except ValueError:
        return {"unreadable": True}
    factors = []
    for name in L.FACTORS:
        factor = levels.factor(name)
        groups = [g for g in factor.groups if g]
        if not groups:
            continue
        reference = factor.groups[factor.reference] if factor.groups else ()
        factors.append(
            {
                "title": FACTOR_TITLES[name](),
                "reference": group_label(name, reference, labels) if reference else "",
                "groups": [group_label(name, g, labels) for g in groups],
            }
        )
    merges = []
    for m in levels.merged:
        factor_name = str(m.get("factor"))
        level, into = m.get("level"), m.get("into")
        if factor_name not in L.FACTORS or not isinstance(level, list) or not level:
            continue
        if not isinstance(into, list) or not into:
            continue
        try:
            text = _(
                "%(factor)s %(level)s (%(rows)s rows, %(events)s job or education "
                "starts) was merged into %(into)s."
            ) % {
                "factor": FACTOR_TITLES[factor_name](),
                "level": group_label(factor_name, tuple(level), labels),
                "into": group_label(factor_name, tuple(into), labels),
                "rows": m.get("rows", "?"),
                "events": m.get("events", "?"),
            }
        except (KeyError, TypeError, IndexError, ValueError):
            continue
        merges.append(text)
    left_out = [
        _(
            "%(feature)s was left out: set on %(rows)s rows (%(events)s starts), not "
            "set on %(without)s rows (%(events_without)s starts); too few to estimate it."
        )
        % {
            "feature": x.get("feature", "?"),
            "rows": x.get("rows", "?"),
            "events": x.get("events", "?"),
            "without": x.get("rows_without", "?"),
            "events_without": x.get("events_without", "?"),
        }
        for x in levels.left_out
    ]
    return {"factors": factors, "merges": merges, "left_out": left_out}


def version_problems(version: Any) -> list[str]:
    """Why the version cannot score rounds, or cannot give intervals."""
    problems = []
    coefficients = Coefficients(intercept=0.0, features={})
    try:
        coefficients = coefficients_from_json(version.coefficients)
    except ModelUnusable as exc:
        problems.append(
            _("This version cannot score rounds: %(reason)s") % {"reason": str(exc)}
        )
    if version.kind != "reference":
        try:
            Uncertainty(version, coefficients)
        except ModelUnusable as exc:
            problems.append(
                _(
                    'Its intervals cannot be computed, so "what to work on" stays '
                    "empty while it is active: %(reason)s"
                )
                % {"reason": str(exc)}
            )
    return problems


def day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def metric(values: dict[str, Any], key: str) -> float | None:
    return number(values.get(key))


def calibration_rows(values: Any) -> list[dict[str, Any]]:
    """Rows of a calibration table ({"n", "predicted", "observed"}) kept only where
    they are numbers."""
    out = []
    for row in values if isinstance(values, list) else []:
        if not isinstance(row, dict):
            continue
        cleaned = {k: number(row.get(k)) for k in ("d", "n", "predicted", "observed")}
        if cleaned["predicted"] is None or cleaned["observed"] is None:
            continue
        out.append(cleaned)
    return out


def by_group(values: Any, names: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for key, row in sorted(mapping(values).items()):
        cleaned = calibration_rows([row])
        if cleaned:
            rows.append((names.get(str(key), str(key)), cleaned[0]))
    return rows


def held_out_c(version: Any) -> float | None:
    return number(mapping(mapping(version.metrics).get("held_out")).get("c_statistic"))


def model_card(version: Any, *, group_labels: dict[str, str]) -> dict[str, Any]:
    metrics = mapping(version.metrics)
    held = mapping(metrics.get("held_out"))
    ref = mapping(metrics.get("held_out_reference"))
    figures = [
        (label, metric(held, key), metric(ref, key))
        for label, key in (
            (_("C-statistic"), "c_statistic"),
            (_("Calibration intercept"), "calibration_intercept"),
            (_("Calibration slope"), "calibration_slope"),
            (_("Brier score"), "brier"),
            (_("Scaled Brier score"), "scaled_brier"),
        )
    ]
    ci = held.get("c_statistic_ci")
    ci = [number(x) for x in ci] if isinstance(ci, list) and len(ci) == 2 else [None]
    deciles = calibration_rows(held.get("deciles"))
    fraction = number(version.holdout_fraction)
    split = mapping(version.validation_fit)
    validation = version.validation or (
        "citizens"
        if version.kind != "reference" and version.split_seed is not None
        else ""
    )
    age_names = {str(i): name for i, name in enumerate(AGE_NAMES)}
    return {
        "problems": version_problems(version),
        "figures": figures,
        "has_figures": any(mine is not None for _l, mine, _r in figures) or bool(held),
        "held": {
            "n_rows": number(held.get("n_rows")),
            "n_events": number(held.get("n_events")),
            "first_round": day(held.get("first_round")),
            "last_round": day(held.get("last_round")),
            "c_ci": ci if None not in ci else None,
        },
        "deciles": deciles,
        "chart": {"deciles": deciles},
        "by_group": [
            (
                _("Calibration by age band"),
                by_group(held.get("by_age_band"), age_names),
            ),
            (
                _("Calibration by target group"),
                by_group(held.get("by_target_group"), group_labels),
            ),
        ],
        "odds": odds_rows(version.estimates, split.get("estimates")),
        "validation_odds": bool(mapping(split.get("estimates"))),
        "levels": describe_levels(version.levels, group_labels),
        "validation_levels": describe_levels(split.get("levels"), group_labels),
        "validation": {
            "kind": validation,
            "seed": version.split_seed,
            "percent": round(100 * (fraction if fraction is not None else 0.25)),
            "cutoff": version.validation_cutoff,
            "final_refit": bool(split),
            "split": {
                "n_rows": number(split.get("n_rows")),
                "n_events": number(split.get("n_events")),
                "first_round": day(split.get("first_round")),
                "last_round": day(split.get("last_round")),
            },
        },
        "refit": _refit_params(version, validation),
    }


def _refit_params(version: Any, validation: str) -> dict[str, Any] | None:
    """The fit form's fields that repeat this version's fit, or None."""
    if version.kind not in ("local", "recalibrated"):
        return None
    if validation == "temporal" and version.validation_cutoff:
        return {
            "kind": version.kind,
            "validation": "temporal",
            "cutoff": version.validation_cutoff.isoformat(),
        }
    if validation == "citizens" and version.split_seed is not None:
        return {
            "kind": version.kind,
            "validation": "citizens",
            "seed": version.split_seed,
        }
    return None

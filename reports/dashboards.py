"""The dashboards' figures (docs/dashboards.md), built from the aggregate cells alone:
no queries, no rounds. Each figure is a table (the accessible alternative and the CSV)
and a chart drawn from the same numbers. With `suppressed`, counts of 1 to 4 show as
"<5" with complementary suppression (reports/suppression.py), and averages and shares
that would rest on fewer than 5 are left out. Every count that is shown carries the
drill-down's key: the member figure, its category and the quarter ("" for the range).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from interventions.mix import Mix
from measurements.indicators import INDICATORS
from reports.caseworkers import quarter_label
from reports.suppression import MASK, SMALL, suppress, suppress_total

CLASSES = ("progress", "standstill", "regression")
OUTCOME_KINDS = ("job", "education", "other_exit")
TENTHS = 10
CLASS_LABELS = {
    "progress": pgettext_lazy("progression class", "Progress"),
    "standstill": pgettext_lazy("progression class", "Standstill"),
    "regression": pgettext_lazy("progression class", "Regression"),
}
OUTCOME_LABELS = {
    "job": gettext_lazy("Job"),
    "education": gettext_lazy("Education"),
    "other_exit": gettext_lazy("Other exit"),
}
DASH = "\u2013"  # a figure left out
FIGURES = ("rounds", "classes", "indicators", "mix", "p12", "outcomes")


@dataclass
class Number:
    """One table cell: its text, its value for the chart and the CSV (None when
    hidden), and the drill-down key when citizens stand behind it."""

    text: str
    value: float | None = None
    drill: tuple[str, str, str] | None = None
    url: str = ""

    @property
    def masked(self) -> bool:
        return self.text == MASK


@dataclass
class Row:
    label: str
    cells: list[Number]


@dataclass
class Figure:
    key: str
    title: str
    caption: str
    columns: list[str]  # the first names the row labels
    rows: list[Row]
    chart: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _count(n: int, *, suppressed: bool, drill: tuple[str, str, str] | None) -> Number:
    text = suppress_total(n) if suppressed else str(n)
    if text == MASK:
        return Number(MASK)
    return Number(text, n, drill if n else None)


def _masked_counts(
    counts: dict[Any, int],
    *,
    suppressed: bool,
    total_shown: bool = True,
    drills: dict[Any, tuple[str, str, str]] | None = None,
) -> dict[Any, Number]:
    drills = drills or {}
    texts = (
        dict(suppress(counts, total_shown=total_shown))
        if suppressed
        else {k: str(v) for k, v in counts.items()}
    )
    out = {}
    for k, v in counts.items():
        if texts[k] == MASK:
            out[k] = Number(MASK)
        else:
            out[k] = Number(texts[k], v, drills.get(k) if v else None)
    return out


def _share(part: Number, total: Number) -> Number:
    if part.value is None or not total.value:
        return Number(DASH if not part.masked else MASK)
    share = 100.0 * part.value / total.value
    return Number(f"{share:.0f} %", round(share, 1))


def _mean(total: float, n: int, *, suppressed: bool, digits: int = 1) -> Number:
    if n == 0 or (suppressed and n < SMALL):
        return Number(DASH)
    value = total / n
    return Number(_decimal(value, digits), round(value, digits + 1))


def _decimal(value: float, digits: int) -> str:
    """A number as the page's language writes it (a decimal comma in Danish)."""
    return number_format(round(value, digits), decimal_pos=digits)


def _chart(
    kind: str,
    labels: Sequence[str],
    datasets: list[tuple[str, list[Number]]],
    *,
    stacked: bool = False,
    percent: bool = False,
) -> dict[str, Any]:
    return {
        "type": kind,
        "labels": list(labels),
        "stacked": stacked,
        "percent": percent,
        "datasets": [
            {
                "label": label,
                "data": [n.value for n in numbers],
                "drill": [list(n.drill) if n.drill else None for n in numbers],
            }
            for label, numbers in datasets
        ],
    }


def by_quarter(cells: Iterable[Any]) -> dict[date, list[Any]]:
    out: dict[date, list[Any]] = defaultdict(list)
    for c in cells:
        out[c.quarter].append(c)
    return out


def rounds_figure(
    cells: Iterable[Any], quarters: Sequence[date], *, suppressed: bool
) -> Figure:
    per = by_quarter(cells)
    rows = []
    due_col, done_col = [], []
    for q in quarters:
        due = sum(c.rounds_due for c in per[q])
        done = sum(c.rounds_done for c in per[q])
        iso = q.isoformat()
        n_due = _count(due, suppressed=suppressed, drill=("due", "", iso))
        n_done = _count(done, suppressed=suppressed, drill=("done", "", iso))
        due_col.append(n_due)
        done_col.append(n_done)
        rows.append(Row(quarter_label(q), [n_due, n_done, _share(n_done, n_due)]))
    labels = [quarter_label(q) for q in quarters]
    return Figure(
        "rounds",
        _("Rounds done against rounds due"),
        _(
            "Rounds due: the dates a round fell due in the quarter (at the start of "
            "a spell, then the interval after each round). Rounds done: rounds "
            "completed in the quarter."
        ),
        [_("Quarter"), _("Rounds due"), _("Rounds done"), _("Done of due")],
        rows,
        _chart(
            "bar",
            labels,
            [(_("Rounds due"), due_col), (_("Rounds done"), done_col)],
        ),
    )


def classes_figure(
    cells: Iterable[Any], quarters: Sequence[date], *, suppressed: bool
) -> Figure:
    per = by_quarter(cells)
    rows = []
    shares: dict[str, list[Number]] = {k: [] for k in CLASSES}
    totals = {"all": 0, "still": 0, "shown": True}
    for q in quarters:
        counts = {k: sum(getattr(c, k) for c in per[q]) for k in CLASSES}
        total = sum(counts.values())
        iso = q.isoformat()
        n_total = _count(total, suppressed=suppressed, drill=None)
        if n_total.masked:
            numbers = {
                k: Number(MASK) if v else Number("0", 0) for k, v in counts.items()
            }
            totals["shown"] = False
        else:
            numbers = _masked_counts(
                counts,
                suppressed=suppressed,
                drills={k: ("class", k, iso) for k in CLASSES},
            )
        totals["all"] += total
        totals["still"] += counts["standstill"] + counts["regression"]
        share_numbers = [_share(numbers[k], n_total) for k in CLASSES]
        for k, s in zip(CLASSES, share_numbers, strict=True):
            s.drill = numbers[k].drill  # a share leads to the same citizens
        for k, s in zip(CLASSES, share_numbers, strict=True):
            shares[k].append(s)
        rows.append(
            Row(
                quarter_label(q),
                [numbers[k] for k in CLASSES] + [n_total] + share_numbers,
            )
        )
    note = ""
    if totals["shown"] and totals["all"] and not (suppressed and totals["all"] < SMALL):
        note = _(
            "In the period %(share)s %% of the rounds with a class stood still or "
            "regressed (in BIP: 57 %%)."
        ) % {"share": f"{100.0 * int(totals['still']) / int(totals['all']):.0f}"}
    labels = [str(CLASS_LABELS[k]) for k in CLASSES]
    return Figure(
        "classes",
        _("Progression classes per quarter"),
        _(
            "Each round compared with the citizen's round before: progress, "
            "standstill or regression in the job probability the model reads from "
            "the ratings. Shares of the rounds with a class."
        ),
        [_("Quarter")]
        + labels
        + [_("Rounds with a class")]
        + [_("%(class)s, share") % {"class": label} for label in labels],
        rows,
        _chart(
            "bar",
            [quarter_label(q) for q in quarters],
            [(str(CLASS_LABELS[k]), shares[k]) for k in CLASSES],
            stacked=True,
            percent=True,
        ),
        note,
    )


def indicators_figure(
    cells: Iterable[Any], quarters: Sequence[date], *, suppressed: bool
) -> Figure:
    per = by_quarter(cells)
    sums: dict[tuple[date, str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for q in quarters:
        for c in per[q]:
            for respondent, values in (c.indicators or {}).items():
                for code, (total, n) in values.items():
                    s = sums[(q, respondent, code)]
                    s[0] += total
                    s[1] += n
    columns = [_("Indicator")]
    for q in quarters:
        columns += [
            _("%(quarter)s, citizen") % {"quarter": quarter_label(q)},
            _("%(quarter)s, case worker") % {"quarter": quarter_label(q)},
        ]
    rows = []
    for ind in INDICATORS:
        numbers = []
        for q in quarters:
            for respondent in ("citizen", "caseworker"):
                total, n = sums.get((q, respondent, ind.code), (0.0, 0))
                numbers.append(_mean(total, int(n), suppressed=suppressed))
        rows.append(Row(str(ind.label), numbers))
    overall = {}
    for respondent in ("citizen", "caseworker"):
        series = []
        for q in quarters:
            total = sum(v[0] for k, v in sums.items() if k[:2] == (q, respondent))
            n = sum(v[1] for k, v in sums.items() if k[:2] == (q, respondent))
            series.append(_mean(total, int(n), suppressed=suppressed, digits=2))
        overall[respondent] = series
    return Figure(
        "indicators",
        _("Indicator averages, the citizen's rating beside the case worker's"),
        _(
            "The average score per indicator of the rounds in each quarter. The "
            "chart shows the average over all indicators."
        ),
        columns,
        rows,
        _chart(
            "line",
            [quarter_label(q) for q in quarters],
            [
                (_("Citizen"), overall["citizen"]),
                (_("Case worker"), overall["caseworker"]),
            ],
        ),
    )


def mix_figure(cells: Iterable[Any], *, suppressed: bool) -> Figure:
    sums: dict[str, dict[str, int]] = {
        m.value: {"n": 0, **dict.fromkeys(CLASSES, 0)} for m in Mix
    }
    for c in cells:
        for mix, values in (c.mix or {}).items():
            target = sums.setdefault(mix, {"n": 0, **dict.fromkeys(CLASSES, 0)})
            for k in ("n", *CLASSES):
                target[k] += int(values.get(k, 0))
    ns = _masked_counts(
        {m: v["n"] for m, v in sums.items()},
        suppressed=suppressed,
        drills={m: ("mix", m, "") for m in sums},
    )
    rows = []
    progress_shares = []
    for mix, values in sums.items():
        n = ns[mix]
        classified = sum(values[k] for k in CLASSES)
        if n.masked or (suppressed and 0 < classified < SMALL):
            classes = {
                k: Number(MASK) if values[k] else Number("0", 0) for k in CLASSES
            }
            total = Number(MASK) if classified else Number("0", 0)
        else:
            classes = _masked_counts(
                {k: values[k] for k in CLASSES},
                suppressed=suppressed,
                drills={k: ("mixclass", f"{mix}.{k}", "") for k in CLASSES},
            )
            total = Number(str(classified), classified)
        share = _share(classes["progress"], total)
        progress_shares.append(share)
        rows.append(
            Row(
                mix_label(mix),
                [n] + [classes[k] for k in CLASSES] + [share],
            )
        )
    return Figure(
        "mix",
        _("Intervention mix and progression by mix"),
        _(
            "Rounds in the period by the interventions the citizen had in the 91 "
            "days before the round, and the progression class of those rounds."
        ),
        [_("Interventions before the round"), _("Rounds")]
        + [str(CLASS_LABELS[k]) for k in CLASSES]
        + [_("Progress, share")],
        rows,
        _chart(
            "bar",
            [r.label for r in rows],
            [(_("Rounds"), [r.cells[0] for r in rows])],
        ),
    )


def mix_label(mix: str) -> str:
    try:
        return str(Mix(mix).label)
    except ValueError:
        return mix


def p12_figure(
    cells: Iterable[Any], quarters: Sequence[date], *, suppressed: bool
) -> Figure:
    per = by_quarter(cells)
    columns_numbers: list[dict[int, Number]] = []
    averages: list[Number] = []
    for q in quarters:
        bins = [0] * TENTHS
        total, n = 0.0, 0
        for c in per[q]:
            for i, v in enumerate((c.p12_bins or [])[:TENTHS]):
                bins[i] += int(v)
            total += c.p12_sum
            n += c.p12_n
        iso = q.isoformat()
        columns_numbers.append(
            _masked_counts(
                dict(enumerate(bins)),
                suppressed=suppressed,
                drills={i: ("p12", str(i), iso) for i in range(TENTHS)},
            )
        )
        mean = _mean(100.0 * total, n, suppressed=suppressed, digits=0)
        averages.append(
            Number(f"{mean.text} %", mean.value) if mean.value is not None else mean
        )
    changes = []
    for i, avg in enumerate(averages):
        before = averages[i - 1] if i else None
        if before is None or avg.value is None or before.value is None:
            changes.append(Number(DASH))
        else:
            diff = avg.value - before.value
            sign = "+" if diff >= 0 else "\u2212"
            changes.append(Number(sign + _decimal(abs(diff), 1), round(diff, 1)))
    rows = [
        Row(
            _("%(low)s to %(high)s %%") % {"low": 10 * i, "high": 10 * (i + 1)},
            [col[i] for col in columns_numbers],
        )
        for i in range(TENTHS)
    ]
    rows.append(Row(_("Average job probability"), averages))
    rows.append(Row(_("Change since the quarter before (points)"), changes))
    labels = [f"{10 * i}{DASH}{10 * (i + 1)} %" for i in range(TENTHS)]
    return Figure(
        "p12",
        _("Job probability within 12 months"),
        _(
            "Rounds per tenth of the probability of a job or education within 12 "
            "months that the active model gives, with the average and its change "
            "since the quarter before."
        ),
        [_("Job probability")] + [quarter_label(q) for q in quarters],
        rows,
        _chart(
            "bar",
            labels,
            [
                (quarter_label(q), [col[i] for i in range(TENTHS)])
                for q, col in zip(quarters, columns_numbers, strict=True)
            ],
        ),
    )


def outcomes_figure(cells: Iterable[Any], *, suppressed: bool) -> Figure:
    sums = {k: {"n": 0, "days": 0} for k in OUTCOME_KINDS}
    for c in cells:
        for kind, values in (c.outcomes or {}).items():
            if kind in sums:
                sums[kind]["n"] += int(values.get("n", 0))
                sums[kind]["days"] += int(values.get("days", 0))
    ns = _masked_counts(
        {k: v["n"] for k, v in sums.items()},
        suppressed=suppressed,
        total_shown=False,
        drills={k: ("outcome", k, "") for k in OUTCOME_KINDS},
    )
    rows = []
    for kind in OUTCOME_KINDS:
        n = ns[kind]
        days = (
            _mean(sums[kind]["days"], sums[kind]["n"], suppressed=suppressed, digits=0)
            if not n.masked
            else Number(DASH)
        )
        rows.append(Row(str(OUTCOME_LABELS[kind]), [n, days]))
    return Figure(
        "outcomes",
        _("Outcomes in the period and time to outcome"),
        _(
            "Jobs, educations and other exits dated in the period, where the "
            "citizen was placed that day, with the mean number of days from the "
            "start of the citizen's spell."
        ),
        [_("Outcome"), _("Outcomes"), _("Mean days to outcome")],
        rows,
        _chart(
            "bar",
            [r.label for r in rows],
            [(_("Outcomes"), [r.cells[0] for r in rows])],
        ),
    )


def figures(
    cells: Sequence[Any], quarters: Sequence[date], *, suppressed: bool
) -> list[Figure]:
    """Every figure of a page from the cells within its filters."""
    return [
        rounds_figure(cells, quarters, suppressed=suppressed),
        classes_figure(cells, quarters, suppressed=suppressed),
        indicators_figure(cells, quarters, suppressed=suppressed),
        mix_figure(cells, suppressed=suppressed),
        p12_figure(cells, quarters, suppressed=suppressed),
        outcomes_figure(cells, suppressed=suppressed),
    ]


@dataclass
class Part:
    """One team of a job centre, or one case worker of a team: "where to look"."""

    key: Any
    due: Number
    done: Number
    progress: Number
    still: Number
    outcomes: Number


def breakdown(cells: Iterable[Any], *, by: str, suppressed: bool) -> dict[Any, Part]:
    """Per team (`by="team_id"`) or case worker: rounds due and done, the shares of
    progress and of standstill or regression, and outcomes into job or education.
    Each count column is suppressed as a whole: its sum is the page's total."""
    groups: dict[Any, list[Any]] = defaultdict(list)
    for c in cells:
        groups[getattr(c, by)].append(c)
    columns: dict[str, dict[Any, int]] = {"due": {}, "done": {}, "into": {}}
    shares: dict[Any, tuple[Number, Number]] = {}
    for key, group in groups.items():
        columns["due"][key] = sum(c.rounds_due for c in group)
        columns["done"][key] = sum(c.rounds_done for c in group)
        columns["into"][key] = sum(
            int((c.outcomes or {}).get(k, {}).get("n", 0))
            for c in group
            for k in ("job", "education")
        )
        counts = {k: sum(getattr(c, k) for c in group) for k in CLASSES}
        classified = sum(counts.values())
        if suppressed and classified < SMALL:
            shares[key] = (Number(DASH), Number(DASH))
        else:
            total = Number(str(classified), classified)
            shares[key] = (
                _share(Number("", counts["progress"]), total),
                _share(Number("", counts["standstill"] + counts["regression"]), total),
            )
    shown = {
        name: _masked_counts(values, suppressed=suppressed)
        for name, values in columns.items()
    }
    return {
        key: Part(
            key,
            shown["due"][key],
            shown["done"][key],
            shares[key][0],
            shares[key][1],
            shown["into"][key],
        )
        for key in groups
    }


def csv_rows(figure: Figure) -> tuple[list[str], list[list[Any]]]:
    """A figure's table for the CSV: numbers as numbers, "<5" and the dash as text."""
    rows = []
    for row in figure.rows:
        values: list[Any] = [row.label]
        for n in row.cells:
            if n.value is None:
                values.append(n.text)
            elif (
                float(n.value).is_integer() and "%" not in n.text and "." not in n.text
            ):
                values.append(int(n.value))
            else:
                values.append(n.value)
        rows.append(values)
    return figure.columns, rows

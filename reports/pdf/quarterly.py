"""The quarterly report of a job centre: its figures for one quarter from the
dashboards' aggregate cells (reports/models.py DashboardCell), small counts hidden
for anyone who may not see every citizen behind them, each figure as its table and
a vector chart, then the teams side by side; "as of" the refresh the figures come
from.

`minimal_figures` is a small stand-in over the cells (rounds, progression classes,
outcomes, teams) until the dashboards' own figure builder is available here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer

from reports.pdf import charts
from reports.pdf.layout import (
    HEAD_SMALL,
    HEADING,
    SMALL,
    TITLE,
    WIDTH,
    build,
    clean,
    day,
    para,
    table,
)
from reports.suppression import MASK, suppress, suppress_total
from reports.suppression import SMALL as FEW

CLASSES = ("progress", "standstill", "regression")
OUTCOMES = ("job", "education", "other_exit")
DASH = "\u2013"


@dataclass
class Number:
    text: str
    value: float | None = None


@dataclass
class Row:
    label: str
    cells: list[Number]


@dataclass
class Figure:
    """A figure as the report draws it: a table, and a chart of the same numbers."""

    key: str
    title: str
    caption: str
    columns: list[str]
    rows: list[Row]
    chart: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _count(n: int, *, suppressed: bool) -> Number:
    text = suppress_total(n) if suppressed else str(n)
    return Number(text, None if text == MASK else n)


def _share(part: Number, total: Number) -> Number:
    if part.value is None or not total.value:
        return Number(MASK if part.text == MASK else DASH)
    share = 100.0 * part.value / total.value
    return Number(f"{share:.0f} %", round(share, 1))


def _counts(
    counts: dict[str, int], *, suppressed: bool, total_shown: bool = True
) -> dict[str, Number]:
    texts = (
        suppress(counts, total_shown=total_shown)
        if suppressed
        else {k: str(v) for k, v in counts.items()}
    )
    return {
        k: Number(str(texts[k]), None if texts[k] == MASK else v)
        for k, v in counts.items()
    }


def _bars(labels: list[str], series: list[tuple[str, list[Number]]]) -> dict:
    return {
        "labels": labels,
        "datasets": [
            {"label": name, "data": [n.value for n in numbers]}
            for name, numbers in series
        ],
    }


def minimal_figures(
    cells: list[Any], *, quarter: str, suppressed: bool
) -> list[Figure]:
    """A job centre's figures for one quarter from its cells: rounds due and done,
    the progression classes and the outcomes."""
    due = _count(sum(c.rounds_due for c in cells), suppressed=suppressed)
    done = _count(sum(c.rounds_done for c in cells), suppressed=suppressed)
    rounds = Figure(
        "rounds",
        _("Rounds done against rounds due"),
        _(
            "Rounds due: the dates a round fell due in the quarter. Rounds done: "
            "rounds completed in the quarter."
        ),
        [_("Quarter"), _("Rounds due"), _("Rounds done"), _("Done of due")],
        [Row(quarter, [due, done, _share(done, due)])],
        _bars([quarter], [(_("Rounds due"), [due]), (_("Rounds done"), [done])]),
    )
    counts = {k: sum(getattr(c, k) for c in cells) for k in CLASSES}
    total_n = sum(counts.values())
    total = _count(total_n, suppressed=suppressed)
    if total.value is None:
        numbers = {k: Number(MASK) if v else Number("0", 0) for k, v in counts.items()}
    else:
        numbers = _counts(counts, suppressed=suppressed)
    labels = [
        pgettext("progression class", "Progress"),
        pgettext("progression class", "Standstill"),
        pgettext("progression class", "Regression"),
    ]
    shares = [_share(numbers[k], total) for k in CLASSES]
    classes = Figure(
        "classes",
        _("Progression from one round to the next"),
        _(
            "Each round compared with the citizen's round before: progress, "
            "standstill or regression. Shares of the rounds with a comparison."
        ),
        [_("Quarter"), *labels, _("Rounds compared"), _("Progress, share")],
        [Row(quarter, [*(numbers[k] for k in CLASSES), total, shares[0]])],
        _bars(labels, [(_("Rounds"), [numbers[k] for k in CLASSES])]),
    )
    sums = {k: [0, 0] for k in OUTCOMES}
    for c in cells:
        for kind, values in (c.outcomes or {}).items():
            if kind in sums:
                sums[kind][0] += int(values.get("n", 0))
                sums[kind][1] += int(values.get("days", 0))
    ns = _counts(
        {k: v[0] for k, v in sums.items()}, suppressed=suppressed, total_shown=False
    )
    outcome_labels = {
        "job": _("Job"),
        "education": _("Education"),
        "other_exit": _("Other exit"),
    }
    rows = []
    for kind in OUTCOMES:
        n, days = sums[kind]
        hidden = ns[kind].value is None or n == 0 or (suppressed and n < FEW)
        mean = Number(DASH) if hidden else Number(f"{days / n:.0f}", round(days / n, 1))
        rows.append(Row(outcome_labels[kind], [ns[kind], mean]))
    outcomes = Figure(
        "outcomes",
        _("Outcomes in the quarter and time to outcome"),
        _(
            "Jobs, educations and other exits dated in the quarter, with the mean "
            "number of days from the start of the citizen's spell."
        ),
        [_("Outcome"), _("Outcomes"), _("Mean days to outcome")],
        rows,
        _bars([r.label for r in rows], [(_("Outcomes"), [r.cells[0] for r in rows])]),
    )
    return [rounds, classes, outcomes]


@dataclass
class Part:
    due: Number
    done: Number
    progress: Number
    still: Number
    outcomes: Number


def team_parts(cells: list[Any], *, suppressed: bool) -> dict[Any, Part]:
    """Per team: rounds due and done, the shares of progress and of standstill or
    regression, and outcomes into job or education."""
    groups: dict[Any, list[Any]] = {}
    for c in cells:
        groups.setdefault(c.team_id, []).append(c)
    out = {}
    for key, group in groups.items():
        counts = {k: sum(getattr(c, k) for c in group) for k in CLASSES}
        classified = sum(counts.values())
        into = sum(
            int((c.outcomes or {}).get(k, {}).get("n", 0))
            for c in group
            for k in ("job", "education")
        )
        small = suppressed and classified < FEW
        total = Number(str(classified), classified)
        out[key] = Part(
            _count(sum(c.rounds_due for c in group), suppressed=suppressed),
            _count(sum(c.rounds_done for c in group), suppressed=suppressed),
            Number(DASH) if small else _share(Number("", counts["progress"]), total),
            Number(DASH)
            if small
            else _share(Number("", counts["standstill"] + counts["regression"]), total),
            _count(into, suppressed=suppressed),
        )
    return out


@dataclass
class Report:
    """What the report shows; `figures` are reports.dashboards.Figure objects and
    `teams` (label, reports.dashboards.Part) pairs."""

    unit: str
    quarter: str
    today: date
    as_of: datetime | None
    suppressed: bool
    figures: list[Any] = field(default_factory=list)
    teams: list[tuple[str, Any]] = field(default_factory=list)


def _widths(labels: list[str], count: int) -> list[float]:
    """The first column as wide as its longest label (within bounds), the rest
    shared equally."""
    longest = max((stringWidth(clean(x), "Helvetica", 9.5) for x in labels), default=0)
    first = min(max(longest + 10, 60.0), 180.0)
    rest = (WIDTH - first) / max(count - 1, 1)
    return [first] + [rest] * (count - 1)


def _figure(fig: Any) -> list[Flowable]:
    columns = [str(c) for c in fig.columns]
    rows = [[row.label] + [n.text for n in row.cells] for row in fig.rows]
    parts: list[Flowable] = [
        para(fig.title, HEADING),
        para(fig.caption, SMALL),
        Spacer(1, 4),
        table(
            [[para(c, HEAD_SMALL) for c in columns], *rows],
            widths=_widths([str(r[0]) for r in rows], len(columns)),
            align_right_from=1,
        ),
    ]
    chart = fig.chart or {}
    datasets = chart.get("datasets") or []
    labels = [str(label) for label in chart.get("labels") or []]
    if labels and datasets:
        percent = bool(chart.get("percent"))
        series = []
        for dataset in datasets:
            values = list(dataset.get("data") or [])
            texts = [
                "" if v is None else charts.value_text(v, percent=percent)
                for v in values
            ]
            series.append((str(dataset.get("label", "")), values, texts))
        parts.append(Spacer(1, 6))
        parts.append(charts.grouped_bars(labels, series, percent=percent))
    if getattr(fig, "note", ""):
        parts.append(para(fig.note, SMALL))
    return [KeepTogether(parts[:4]), *parts[4:]]


def render(report: Report) -> bytes:
    title = _("Quarterly report for %(unit)s") % {"unit": report.unit}
    story: list[Flowable] = [
        para(title, TITLE),
        Spacer(1, 4),
        para(
            _("Quarter: %(quarter)s · Date: %(day)s")
            % {"quarter": report.quarter, "day": day(report.today)}
        ),
    ]
    if report.as_of is None:
        story.append(
            para(
                _(
                    "There are no figures yet: the dashboards have not been computed "
                    "for the municipality."
                )
            )
        )
    else:
        as_of = date_format(report.as_of, "SHORT_DATETIME_FORMAT")
        story.append(
            para(
                _("Figures as of %(when)s, from the job centre's dashboard.")
                % {"when": as_of}
            )
        )
        if report.suppressed:
            story.append(
                para(
                    _(
                        "To protect the citizens, numbers from 1 to 4 are shown as "
                        "<5, and averages and shares resting on fewer than 5 are "
                        "left out (shown as a dash)."
                    ),
                    SMALL,
                )
            )
        if not report.figures:
            story.append(para(_("There are no figures for this quarter.")))
        for fig in report.figures:
            story += _figure(fig)
        if report.teams:
            story.append(para(_("The teams of the job centre"), HEADING))
            header = [
                _("Team"),
                _("Rounds due"),
                _("Rounds done"),
                _("Progress, share"),
                _("Standstill or regression, share"),
                _("Into job or education"),
            ]
            rows = [
                [
                    label,
                    part.due.text,
                    part.done.text,
                    part.progress.text,
                    part.still.text,
                    part.outcomes.text,
                ]
                for label, part in report.teams
            ]
            story.append(
                table(
                    [[para(c, HEAD_SMALL) for c in header], *rows],
                    widths=_widths([r[0] for r in rows], len(header)),
                    align_right_from=1,
                )
            )
    footer = _("Printed %(day)s") % {"day": day(report.today)}
    if report.as_of is not None:
        footer += " · " + _("Figures as of %(day)s") % {"day": day(report.as_of)}
    return build(story, title=title, footer=footer)

"""The quarterly report of a job centre: the job centre's dashboard for one quarter
(reports/dashboards.py builds the figures from the dashboards' aggregate cells, with
the same small-cell suppression as the page), each figure as its table and a vector
chart, then the job centre's teams side by side; "as of" the refresh the figures
come from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
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

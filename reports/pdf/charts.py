"""Charts as vector drawings (reportlab.graphics): lines, bars and text, no images.
Every chart sits next to a table with the same numbers, and the two respondents are
told apart by fill and line style as well as colour."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib.colors import white as WHITE
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.pdf.layout import BLUE, GREY, INK, LIGHT, RULE, WIDTH, clean

LABEL_W = 190.0
ROW_H = 24.0
BAR_H = 8.0
SCALE = (1, 5)  # indicator scores run from 1 (lowest) to 5 (highest)


def _x(value: float, left: float, width: float) -> float:
    lo, hi = SCALE
    return left + (value - lo) / (hi - lo) * width


def _legend(d: Drawing, y: float, caseworker: str, citizen: str) -> None:
    d.add(Rect(LABEL_W, y, 10, 7, fillColor=BLUE, strokeColor=BLUE))
    d.add(String(LABEL_W + 14, y, clean(caseworker), fontName="Helvetica", fontSize=8))
    d.add(Rect(LABEL_W + 150, y, 10, 7, fillColor=LIGHT, strokeColor=INK))
    d.add(String(LABEL_W + 164, y, clean(citizen), fontName="Helvetica", fontSize=8))


def bars(
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    caseworker: str,
    citizen: str,
) -> Drawing:
    """Per indicator, the case worker's and the citizen's score side by side as
    horizontal bars on the scale 1 to 5 (solid dark: case worker; light with an
    outline: citizen), the value written at the end of each bar."""
    plot_w = WIDTH - LABEL_W - 30
    height = len(rows) * ROW_H + 34
    d = Drawing(WIDTH, height)
    top = height - 22
    _legend(d, height - 9, caseworker, citizen)
    for tick in range(SCALE[0], SCALE[1] + 1):
        x = _x(tick, LABEL_W, plot_w)
        d.add(Line(x, 12, x, top, strokeColor=RULE, strokeWidth=0.5))
        d.add(
            String(
                x, 2, str(tick), fontName="Helvetica", fontSize=8, textAnchor="middle"
            )
        )
    for i, (label, cw, cit) in enumerate(rows):
        y = top - (i + 1) * ROW_H + 4
        d.add(
            String(
                LABEL_W - 6,
                y + BAR_H - 2,
                clean(label),
                fontName="Helvetica",
                fontSize=8,
                textAnchor="end",
                fillColor=INK,
            )
        )
        for offset, value, fill, stroke in (
            (BAR_H, cw, BLUE, BLUE),
            (0.0, cit, LIGHT, INK),
        ):
            if value is None:
                continue
            x0 = _x(SCALE[0], LABEL_W, plot_w)
            d.add(
                Rect(
                    x0,
                    y + offset,
                    max(_x(value, LABEL_W, plot_w) - x0, 1.5),
                    BAR_H - 1,
                    fillColor=fill,
                    strokeColor=stroke,
                    strokeWidth=0.5,
                )
            )
            d.add(
                String(
                    _x(value, LABEL_W, plot_w) + 3,
                    y + offset + 1,
                    clean(f"{value:.1f}".replace(".", ",")),
                    fontName="Helvetica",
                    fontSize=7,
                    fillColor=INK,
                )
            )
    return d


PANEL_COLUMNS = 3
PANEL_H = 96.0


def over_time(
    panels: Sequence[tuple[str, Sequence[float | None], Sequence[float | None]]],
    *,
    first: str,
    last: str,
) -> Drawing:
    """Small multiples, one per indicator: the case worker's scores as a solid line
    with triangles, the citizen's as a dashed line with circles, round by round from
    `first` to `last` (dates written under each panel)."""
    panel_w = WIDTH / PANEL_COLUMNS
    rows = (len(panels) + PANEL_COLUMNS - 1) // PANEL_COLUMNS
    d = Drawing(WIDTH, rows * PANEL_H)
    for n, (label, cw, cit) in enumerate(panels):
        col, row = n % PANEL_COLUMNS, n // PANEL_COLUMNS
        left = col * panel_w + 14
        bottom = (rows - row - 1) * PANEL_H + 16
        w, h = panel_w - 26, PANEL_H - 38
        title = clean(label)
        size = 7.0
        while size > 5 and stringWidth(title, "Helvetica-Bold", size) > panel_w - 8:
            size -= 0.25
        d.add(
            String(
                left - 12,
                bottom + h + 8,
                title,
                fontName="Helvetica-Bold",
                fontSize=size,
                fillColor=INK,
            )
        )
        for tick in range(SCALE[0], SCALE[1] + 1):
            y = bottom + (tick - SCALE[0]) / (SCALE[1] - SCALE[0]) * h
            d.add(Line(left, y, left + w, y, strokeColor=RULE, strokeWidth=0.4))
            d.add(
                String(
                    left - 4,
                    y - 2,
                    str(tick),
                    fontName="Helvetica",
                    fontSize=6,
                    textAnchor="end",
                    fillColor=GREY,
                )
            )
        d.add(String(left, bottom - 10, clean(first), fontName="Helvetica", fontSize=6))
        d.add(
            String(
                left + w,
                bottom - 10,
                clean(last),
                fontName="Helvetica",
                fontSize=6,
                textAnchor="end",
            )
        )
        count = max(len(cw), len(cit))
        for values, dashed, marker in ((cw, False, "triangle"), (cit, True, "circle")):
            points = [
                (
                    left + (i / (count - 1) if count > 1 else 0.5) * w,
                    bottom + (v - SCALE[0]) / (SCALE[1] - SCALE[0]) * h,
                )
                for i, v in enumerate(values)
                if v is not None
            ]
            colour = BLUE if not dashed else INK
            for (x1, y1), (x2, y2) in itertools.pairwise(points):
                d.add(
                    Line(
                        x1,
                        y1,
                        x2,
                        y2,
                        strokeColor=colour,
                        strokeWidth=1.2,
                        strokeDashArray=[3, 2] if dashed else None,
                    )
                )
            for x, y in points:
                if marker == "triangle":
                    d.add(
                        Polygon(
                            [x - 3, y - 2.5, x + 3, y - 2.5, x, y + 3],
                            fillColor=colour,
                            strokeColor=colour,
                        )
                    )
                else:
                    d.add(Circle(x, y, 2.2, fillColor=WHITE, strokeColor=colour))
    return d


SERIES = (  # fill, outline: told apart by lightness and outline, not colour alone
    (BLUE, BLUE),
    (LIGHT, INK),
    (WHITE, INK),
)


def nice_top(value: float) -> float:
    """The axis' end: four ticks of 1, 2, 2.5 or 5 times a power of ten, at least
    `value` (so a count of 7 gets 0, 2, 4, 6, 8)."""
    if value <= 0:
        return 4.0
    power = 10 ** math.floor(math.log10(value / 4))
    for step in (1, 2, 2.5, 5, 10):
        if 4 * step * power >= value:
            return 4 * step * power
    return 40 * power


def value_text(value: float, *, percent: bool) -> str:
    if percent:
        return f"{value:.0f} %"
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",")


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
    *,
    percent: bool = False,
) -> Drawing:
    """Horizontal bars: per label one bar for each series (name, values, the texts
    written at the bars' ends). A value left out (a small count) draws no bar but
    its text ("<5" or a dash) is written all the same."""
    plot_w = WIDTH - LABEL_W - 40
    bar_h = 7.0 if len(series) > 1 else 9.0
    row_h = bar_h * len(series) + 8
    legend_rows = (len(series) + 2) // 3
    height = len(labels) * row_h + 30 + 12 * legend_rows
    d = Drawing(WIDTH, height)
    values = [v for _, vs, _ in series for v in vs if v is not None]
    top_value = 100.0 if percent else nice_top(max([*values, 4.0]))
    for n, (name, _, _) in enumerate(series):
        fill, stroke = SERIES[n % len(SERIES)]
        x = (n % 3) * (WIDTH / 3)
        y = height - 9 - 12 * (n // 3)
        d.add(Rect(x, y, 10, 7, fillColor=fill, strokeColor=stroke))
        d.add(String(x + 14, y, clean(name)[:40], fontName="Helvetica", fontSize=8))
    top = height - 14 - 12 * legend_rows
    d.add(Line(LABEL_W, 12, LABEL_W, top, strokeColor=INK, strokeWidth=0.6))
    for tick in range(5):
        x = LABEL_W + plot_w * tick / 4
        d.add(Line(x, 12, x, top, strokeColor=RULE, strokeWidth=0.4))
        text = value_text(top_value * tick / 4, percent=percent)
        d.add(
            String(
                x, 2, clean(text), fontName="Helvetica", fontSize=7, textAnchor="middle"
            )
        )
    for i, label in enumerate(labels):
        y0 = top - (i + 1) * row_h + 4
        d.add(
            String(
                LABEL_W - 6,
                y0 + row_h / 2 - 5,
                clean(label)[:48],
                fontName="Helvetica",
                fontSize=8,
                textAnchor="end",
                fillColor=INK,
            )
        )
        for n, (_, vs, texts) in enumerate(series):
            fill, stroke = SERIES[n % len(SERIES)]
            y = y0 + (len(series) - 1 - n) * bar_h
            value = vs[i] if i < len(vs) else None
            width = 0.0
            if value is not None:
                width = max(plot_w * min(value, top_value) / top_value, 0.0)
                if width:
                    d.add(
                        Rect(
                            LABEL_W,
                            y,
                            width,
                            bar_h - 1,
                            fillColor=fill,
                            strokeColor=stroke,
                            strokeWidth=0.5,
                        )
                    )
            text = texts[i] if i < len(texts) else ""
            if text:
                d.add(
                    String(
                        LABEL_W + width + 3,
                        y + 1,
                        clean(text),
                        fontName="Helvetica",
                        fontSize=7,
                        fillColor=INK,
                    )
                )
    return d

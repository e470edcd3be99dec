"""Charts as vector drawings (reportlab.graphics): lines, bars and text, no images.
Every chart sits next to a table with the same numbers, and the two respondents are
told apart by fill and line style as well as colour."""

from __future__ import annotations

import itertools
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

"""What every PDF shares: A4, margins, styles, and a footer with the date it was
generated and "page x of y" on every page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table
from reportlab.platypus import TableStyle as _TableStyle

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN  # the text width, in points
INK = colors.HexColor("#212529")
BLUE = colors.HexColor("#0b3d6b")
LIGHT = colors.HexColor("#9ec5e8")
GREY = colors.HexColor("#6c757d")
RULE = colors.HexColor("#ced4da")

# The standard fonts cover Latin-1 (æ, ø, å, é): only these characters fall outside
# it in our texts.
REPLACE = {"\u2212": "-", "\u2009": " ", "\u202f": " ", "\u00a0": " "}

BODY = ParagraphStyle(
    "body", fontName="Helvetica", fontSize=10.5, leading=14, textColor=INK
)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11)
ITEM = ParagraphStyle("item", parent=BODY, spaceBefore=5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9.5, leading=12)
CELL_BOLD = ParagraphStyle("cell_bold", parent=CELL, fontName="Helvetica-Bold")
# column heads of wide tables: words are never split, so smaller
HEAD_SMALL = ParagraphStyle(
    "head_small", parent=CELL_BOLD, fontSize=8, leading=10, splitLongWords=0
)
TITLE = ParagraphStyle(
    "title", parent=BODY, fontName="Helvetica-Bold", fontSize=18, leading=22
)
HEADING = ParagraphStyle(
    "heading",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=13,
    leading=16,
    spaceBefore=10,
    spaceAfter=4,
    alignment=TA_LEFT,
)


def clean(text: Any) -> str:
    out = str(text)
    for a, b in REPLACE.items():
        out = out.replace(a, b)
    return out


def para(text: Any, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: names may hold <, > or &)."""
    return Paragraph(escape(clean(text)), style)


def day(d: date) -> str:
    return date_format(d, "SHORT_DATE_FORMAT")


def table(
    rows: list[list[Any]],
    *,
    widths: list[float],
    header_rows: int = 1,
    align_right_from: int | None = None,
) -> Table:
    """A table with a bold header row, thin rules, repeated on a new page."""
    cells = [
        [
            c
            if isinstance(c, Flowable)
            else para(c, CELL_BOLD if i < header_rows else CELL)
            for c in row
        ]
        for i, row in enumerate(rows)
    ]
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ]
    if align_right_from is not None:
        style.append(("ALIGN", (align_right_from, 0), (-1, -1), "RIGHT"))
    return Table(
        cells,
        colWidths=widths,
        repeatRows=header_rows,
        style=_TableStyle(style),
        hAlign="LEFT",
    )


def numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas that writes `footer` and "page x of y" at the foot of every page
    once the number of pages is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8.5)
                self.setFillColor(GREY)
                self.drawString(MARGIN, 10 * mm, clean(footer))
                self.drawRightString(
                    A4[0] - MARGIN,
                    10 * mm,
                    clean(
                        _("Page %(page)s of %(pages)s")
                        % {"page": self._pageNumber, "pages": total}
                    ),
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def build(flowables: Iterable[Flowable], *, title: str, footer: str) -> bytes:
    """The document as PDF bytes, A4, with the footer on every page."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=clean(title),
        author="",
        creator="",
        producer="",
        subject="",
        invariant=1,
    )
    doc.build(list(flowables), canvasmaker=numbered_canvas(footer))
    return buffer.getvalue()

"""The one writer for every CSV and XLSX file the product writes (DESIGN section 2).

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return
before one) as a formula: an uploaded value such as `=HYPERLINK(...)` or `+cmd|...`
written back into a report would run on the admin's machine. Every text cell that
starts with one of those characters is written with a leading single quote (OWASP's
"CSV injection" advice), so it shows as text. Real numbers, dates and times are not
text and stay numbers, dates and times: -1 is a number, the text "-1+2" is neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LINE_END = "\r\n"
BOM = "\ufeff"
# Characters XML 1.0 does not allow; openpyxl refuses them rather than drop them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Cell = str | int | float | Decimal | date | datetime | time | bool | None


def neutralise(value: str) -> str:
    """The text as a spreadsheet shows it, never as a formula."""
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """`csv.writer` that neutralises text cells. Numbers keep their type; with a
    decimal comma (Danish Excel's semicolon CSV) 1.5 is written 1,5."""

    def __init__(
        self, out: IO[str], *, delimiter: str = ";", decimal_comma: bool | None = None
    ) -> None:
        if delimiter not in (";", ","):
            raise ValueError("delimiter must be ';' or ','")
        self._writer = csv.writer(out, delimiter=delimiter, lineterminator=LINE_END)
        # a decimal comma inside a comma-separated file would split the number
        self.decimal_comma = (
            delimiter == ";" if decimal_comma is None else decimal_comma
        )

    def _cell(self, value: Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int | float | Decimal):
            text = str(value)
            return text.replace(".", ",") if self.decimal_comma else text
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, date | time):
            return value.isoformat()
        return neutralise(str(value))

    def writerow(self, row: Iterable[Cell]) -> None:
        self._writer.writerow([self._cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Cell]]) -> None:
        for row in rows:
            self.writerow(row)

    def writerows_typed(
        self, rows: Iterable[Sequence[Cell]], kinds: Sequence[str]
    ) -> None:
        """Rows whose columns have a declared kind ("str", "int", "float", "date"),
        written exactly as `writerows` writes them, with less work per cell: a cell
        of its column's own type (an int in an "int" column, a float in a "float"
        column, a date in a "date" column) or None goes to csv as it is (csv writes
        it as `_cell` would; a float with a decimal comma has its point replaced);
        every other cell, and every cell of a "str" or unknown column, goes through
        `_cell`, so text is always neutralised."""
        write = self._writer.writerow
        for cells in map(self._typed_row(len(kinds), kinds), rows):
            write(cells)

    def _typed_row(self, n: int, kinds: Sequence[str]) -> Callable[..., list[Any]]:
        """One function for the row: a cell expression per column, so the common
        case costs a type test and no call. Built from the kinds alone (the
        generated text holds only positions)."""
        exprs = []
        for i, kind in enumerate(kinds):
            v = f"r[{i}]"
            if kind in _TYPED:
                same = f"{v}.__class__ is {_TYPED[kind]}"
                comma = kind == "float" and self.decimal_comma
                ok = f"repr({v}).replace('.', ',')" if comma else v
                exprs.append(f"({ok} if {same} else {v} if {v} is None else cell({v}))")
            else:
                exprs.append(f"cell({v})")
        source = (
            "def typed(r):\n"
            f"    if len(r) != {n}:\n"
            "        raise ValueError('a row differs from its columns')\n"
            f"    return [{', '.join(exprs)}]\n"
        )
        scope: dict[str, Any] = {"cell": self._cell, "int": int, "float": float}
        scope["date"] = date
        exec(compile(source, "<typed csv row>", "exec"), scope)  # noqa: S102 - positions only
        return scope["typed"]


# the kinds whose cells of their own type csv writes as they are
_TYPED = {"int": "int", "float": "float", "date": "date"}


def csv_writer(
    out: IO[str], *, delimiter: str = ";", decimal_comma: bool | None = None
) -> CsvWriter:
    return CsvWriter(out, delimiter=delimiter, decimal_comma=decimal_comma)


def write_csv(
    out: IO[str],
    rows: Iterable[Iterable[Cell]],
    *,
    header: Sequence[str] = (),
    delimiter: str = ";",
    bom: bool = True,
    decimal_comma: bool | None = None,
    kinds: Sequence[str] | None = None,
) -> None:
    """Rows streamed to a text file; with a BOM Danish Excel opens it as UTF-8. With
    the columns' kinds, the same file written faster (`CsvWriter.writerows_typed`)."""
    if bom:
        out.write(BOM)
    writer = CsvWriter(out, delimiter=delimiter, decimal_comma=decimal_comma)
    if header:
        writer.writerow(header)
    if kinds is None:
        writer.writerows(rows)
    else:
        writer.writerows_typed(rows, kinds)  # type: ignore[arg-type]


def csv_cells(
    cells: Iterable[Cell], *, delimiter: str = ";", decimal_comma: bool | None = None
) -> str:
    """The cells as CsvWriter writes them in a row, without the line's end."""
    out = io.StringIO()
    CsvWriter(out, delimiter=delimiter, decimal_comma=decimal_comma).writerow(cells)
    return out.getvalue()[: -len(LINE_END)]


# what sql_csv_cell puts around a cell it leaves to Python (a float from 1e15 up, NaN
# or an infinity; text the writer would prefix or quote, or that holds SQL_MARK or
# SQL_LINE_SEP): a character no number or date holds
SQL_MARK = "\x1f"
# what separates the lines of one citizen in the text PostgreSQL sends
SQL_LINE_SEP = "\x1e"
_MARKED = re.compile(SQL_MARK + "(T?)([^" + SQL_MARK + "]*)" + SQL_MARK)


def _sql_text(expr: str, delimiter: str) -> str:
    """SQL for a text cell as CsvWriter writes it. Text the writer leaves as it is
    (no formula start, nothing the csv module quotes: the delimiter, a double
    quote, a carriage return or a line feed; neither SQL_MARK nor SQL_LINE_SEP) is
    sent as it is; any other text as its UTF-8 in hex between two SQL_MARKs, and
    `sql_csv_finish` writes it through the writer itself. The check is one regular
    expression, so the common cell costs little in SQL and nothing in Python."""
    x = f"({expr})::text"
    starts = "".join(sorted(FORMULA_START, key=lambda c: c == "-"))  # '-' last
    anywhere = delimiter + '"\r\n' + SQL_MARK + SQL_LINE_SEP
    pattern = " || ".join(f"chr({ord(c)})" for c in f"^[{starts}]|[{anywhere}]")
    mark = f"chr({ord(SQL_MARK)})"
    return (
        f"CASE WHEN {x} IS NULL THEN ''"
        f" WHEN {x} ~ ({pattern})"
        f" THEN {mark} || 'T' || encode(convert_to({x}, 'UTF8'), 'hex') || {mark}"
        f" ELSE {x} END"
    )


def sql_csv_cell(expr: str, kind: str, *, delimiter: str) -> str:
    """PostgreSQL SQL giving the text CsvWriter(delimiter=...) writes for a cell of
    this kind ("int", "float", "date", "str") holding `expr`, '' for NULL: so
    PostgreSQL can format a file's rows, byte for byte as the writer would once
    `sql_csv_finish` has read the text. It needs the session settings
    bip.db.stream_sql sets (floats as their shortest exact digits, dates in ISO).

    Python writes a float as repr(): its shortest exact digits, with ".0" on a
    whole number, and a decimal comma in a ';' file. Below 1e15 PostgreSQL writes
    the same digits in the same notation, without the ".0", which is added here.
    From 1e15 up the two differ (notation, and PostgreSQL writes 17 digits for some
    whole numbers), as they do for NaN and the infinities: such a float is sent as
    PostgreSQL's exact text between two SQL_MARKs, and `sql_csv_finish` writes it as
    Python does. Text is sent as it is where the writer leaves it as it is, and
    marked for Python otherwise (`_sql_text`)."""
    if delimiter not in (";", ","):
        raise ValueError("delimiter must be ';' or ','")
    if kind == "int":
        return f"coalesce(({expr})::text, '')"
    if kind == "date":
        return f"coalesce(({expr})::date::text, '')"  # DateStyle ISO: YYYY-MM-DD
    if kind == "str":
        return _sql_text(expr, delimiter)
    if kind != "float":
        raise ValueError(f"no SQL formatting for a {kind!r} column")
    x = f"({expr})::float8"
    text = (
        f"CASE WHEN {x} IS NULL THEN ''"
        f" WHEN abs({x}) < 1e15 THEN {x}::text"
        f" || CASE WHEN {x} = trunc({x}) THEN '.0' ELSE '' END"
        f" ELSE chr({ord(SQL_MARK)}) || {x}::text || chr({ord(SQL_MARK)})"
        " END"
    )
    return f"replace({text}, '.', ',')" if delimiter == ";" else text


def sql_csv_finish(text: str, *, delimiter: str) -> str:
    """Text from `sql_csv_cell` cells as CsvWriter would have written it: the few
    marked cells (floats, text) written by Python."""
    if SQL_MARK not in text:
        return text

    def python(found: re.Match[str]) -> str:
        raw = found.group(2)  # text as its UTF-8 in hex, or a float
        text = bytes.fromhex(raw).decode() if found.group(1) else None
        value: Cell = text if text is not None else float(raw.replace(",", "."))
        return csv_cells([value], delimiter=delimiter)

    return _MARKED.sub(python, text)


def write_csv_lines(
    out: IO[str],
    blocks: Iterable[str],
    *,
    header: Sequence[str] = (),
    delimiter: str = ";",
    bom: bool = True,
) -> None:
    """Rows already written as the writer writes them (`sql_csv_cell` cells read
    by `sql_csv_finish`), in blocks of whole lines (without the block's last line
    end), after the BOM and the header: the file `write_csv` writes for the same
    rows, with the decimal comma that goes with the delimiter."""
    if bom:
        out.write(BOM)
    if header:
        CsvWriter(out, delimiter=delimiter).writerow(header)
    for block in blocks:
        out.write(block)
        out.write(LINE_END)


def _xlsx_value(value: Cell) -> Any:
    if isinstance(value, datetime) and timezone.is_aware(value):
        # Excel has no time zones: local wall-clock time, as the user reads it
        return timezone.make_naive(timezone.localtime(value))
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return neutralise(_XML_ILLEGAL.sub("", value))
    return value


def write_xlsx(
    out: IO[bytes],
    rows: Iterable[Iterable[Cell]],
    *,
    header: Sequence[str] = (),
    sheet_title: str = "Data",
) -> None:
    """Rows streamed into a one-sheet workbook. openpyxl's write-only mode keeps
    memory constant however many rows there are."""
    write_xlsx_sheets(out, [(sheet_title, header, rows)])


Sheet = tuple[str, Sequence[str], Iterable[Iterable[Cell]]]


def write_xlsx_sheets(out: IO[bytes], sheets: Iterable[Sheet]) -> None:
    """Several sheets (title, header, rows), each streamed in write-only mode: an
    export's data and its codebook in one workbook."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])

        def cells(row: Iterable[Cell], sheet: Any = sheet) -> list[Any]:
            out_row = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # text, whatever openpyxl would infer
                out_row.append(cell)
            return out_row

        if header:
            sheet.append(cells(header))
        for row in rows:
            sheet.append(cells(row))
    workbook.save(out)

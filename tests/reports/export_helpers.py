"""Reading export files back, and the database's own answer to compare with."""

from __future__ import annotations

import csv
import io
import math
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pyreadstat
from django.core.files.storage import storages
from django.db import transaction

from bip.jobs.services import job_run
from reports.exports.services import export_request
from reports.models import Export


def run_export(by, municipality_id, **kwargs):
    with transaction.atomic():
        export = export_request(by=by, municipality_id=municipality_id, **kwargs)
    job_run(job_id=export.job_id)
    export.refresh_from_db()
    export.job.refresh_from_db()
    assert export.job.state == "done", export.job.error
    return export


def file_bytes(export) -> bytes:
    with storages["default"].open(export.file_name, "rb") as fh:
        return fh.read()


def members(export) -> dict[str, bytes]:
    """The files inside the export: a zip's members, or the workbook itself."""
    data = file_bytes(export)
    if export.format == Export.Format.XLSX:
        return {"workbook.xlsx": data}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _typed(kind: str, value):
    """A cell read back, in the database's terms (None for empty)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "int":
        return int(float(str(value).replace(",", ".")))
    if kind == "float":
        return (
            float(str(value).replace(",", "."))
            if isinstance(value, str)
            else float(value)
        )
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return date.fromisoformat(str(value)[:10])
    return str(value)


def read_back(export) -> tuple[list[str], list[tuple], list[list[str]]]:
    """(header, typed rows, codebook rows) of any export file."""
    files = members(export)
    if export.format == Export.Format.CSV:
        data_name = next(n for n in files if not n.endswith("codebook.csv"))
        book_name = next(n for n in files if n.endswith("codebook.csv"))
        delimiter = ";" if export.csv_semicolon else ","
        encoding = "utf-8-sig" if export.csv_bom else "utf-8"
        rows = list(
            csv.reader(
                io.StringIO(files[data_name].decode(encoding)), delimiter=delimiter
            )
        )
        book = list(
            csv.reader(
                io.StringIO(files[book_name].decode(encoding)), delimiter=delimiter
            )
        )
        header, body = rows[0], rows[1:]
    elif export.format == Export.Format.XLSX:
        wb = openpyxl.load_workbook(io.BytesIO(files["workbook.xlsx"]), read_only=True)
        sheet = list(wb["Data"].iter_rows(values_only=True))
        book = [list(r) for r in wb["Codebook"].iter_rows(values_only=True)]
        header = list(sheet[0])
        # a row's trailing empty cells are not stored
        body = [list(r) + [None] * (len(header) - len(r)) for r in sheet[1:]]
    else:
        data_name = next(n for n in files if n.endswith("." + export.format))
        book_name = next(n for n in files if n.endswith("codebook.csv"))
        book = list(
            csv.reader(io.StringIO(files[book_name].decode("utf-8-sig")), delimiter=";")
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / data_name
            path.write_bytes(files[data_name])
            reader = (
                pyreadstat.read_sav if export.format == "sav" else pyreadstat.read_dta
            )
            frame, _meta = reader(str(path))
        header = list(frame.columns)
        body = [list(r) for r in frame.itertuples(index=False, name=None)]
    kinds = {r[0]: r[2] for r in book[1:]}
    typed = [
        tuple(_typed(kinds[h], v) for h, v in zip(header, row, strict=True))
        for row in body
    ]
    return header, typed, book


def stats_meta(export):
    files = members(export)
    data_name = next(n for n in files if n.endswith("." + export.format))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / data_name
        path.write_bytes(files[data_name])
        reader = pyreadstat.read_sav if export.format == "sav" else pyreadstat.read_dta
        _frame, meta = reader(str(path), metadataonly=True)
    return meta

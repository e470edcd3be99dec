"""Writing an export's rows to a local file (docs/exports.md).

- CSV: a zip with the data and the codebook as two CSV files, streamed row by row.
- XLSX: one workbook with a Data and a Codebook sheet, openpyxl in write-only mode.
- SPSS .sav and Stata .dta: pyreadstat writes a whole DataFrame at once (it has no
  append), so these formats hold the rows in memory and are limited to
  BIP_EXPORT_STATS_MAX_ROWS rows; the file goes in a zip with the codebook.

Every text cell goes through bip/tabular.py's neutralising (formula-safe)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from bip.tabular import neutralise, write_csv, write_csv_lines, write_xlsx_sheets
from reports.exports.layouts import Column, Layout, chunk_size
from reports.models import Export

CODEBOOK_HEADER = ["variable", "label", "type", "values"]
Progress = Callable[[int], None]


class TooManyRows(Exception):
    pass


def stats_max_rows() -> int:
    return int(getattr(settings, "BIP_EXPORT_STATS_MAX_ROWS", 250_000))


def codebook_rows(columns: list[Column]) -> list[list[Any]]:
    rows = []
    for c in columns:
        values = "; ".join(f"{k} = {v}" for k, v in c.value_labels.items())
        rows.append([c.name, str(c.label), c.kind, values])
    return rows


def _counted(rows: Iterable[tuple[Any, ...]], progress: Progress) -> Iterator[Any]:
    """The rows, reporting progress once per chunk."""
    step, n = chunk_size(), 0
    for row in rows:
        yield row
        n += 1
        if n % step == 0:
            progress(step)
    progress(n % step)


def _counted_blocks(
    blocks: Iterable[tuple[str, int]], progress: Progress
) -> Iterator[str]:
    """The blocks of lines, reporting progress once a chunk of rows is done."""
    step, done = chunk_size(), 0
    for text, n in blocks:
        yield text
        done += n
        if done >= step:
            progress(done)
            done = 0
    progress(done)


def _zip_text(zf: zipfile.ZipFile, name: str, write: Callable[[Any], None]) -> None:
    with zf.open(name, "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        write(text)
        text.flush()
        text.detach()


def write_csv_zip(
    export: Export, layout: Layout, path: Path, stem: str, progress: Progress
) -> None:
    delimiter = ";" if export.csv_semicolon else ","
    header = [c.name for c in layout.columns]

    def data(out: Any) -> None:
        if layout.lines is not None:  # PostgreSQL formats the rows
            write_csv_lines(
                out,
                _counted_blocks(layout.lines(delimiter), progress),
                header=header,
                delimiter=delimiter,
                bom=export.csv_bom,
            )
            return
        write_csv(
            out,
            _counted(layout.rows(), progress),
            header=header,
            delimiter=delimiter,
            bom=export.csv_bom,
            kinds=[c.kind for c in layout.columns],
        )

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _zip_text(zf, f"{stem}.csv", data)
        _zip_text(
            zf,
            f"{stem}-codebook.csv",
            lambda out: write_csv(
                out,
                codebook_rows(layout.columns),
                header=CODEBOOK_HEADER,
                delimiter=delimiter,
                bom=export.csv_bom,
            ),
        )


def write_xlsx(
    export: Export, layout: Layout, path: Path, stem: str, progress: Progress
) -> None:
    with open(path, "wb") as out:
        write_xlsx_sheets(
            out,
            [
                (
                    "Data",
                    [c.name for c in layout.columns],
                    _counted(layout.rows(), progress),
                ),
                ("Codebook", CODEBOOK_HEADER, codebook_rows(layout.columns)),
            ],
        )


def _stats_frame(layout: Layout, progress: Progress) -> Any:
    import pandas as pd

    limit = stats_max_rows()
    data: list[list[Any]] = [[] for _ in layout.columns]
    for n, row in enumerate(_counted(layout.rows(), progress), start=1):
        if n > limit:
            raise TooManyRows(
                f"More than {limit} rows: choose CSV or XLSX, or a shorter period."
            )
        for values, value in zip(data, row, strict=True):
            values.append(value)
    frame = {}
    for column, values in zip(layout.columns, data, strict=True):
        if column.kind == "str":
            frame[column.name] = pd.Series(
                [neutralise(v) if v else "" for v in values], dtype=object
            )
        elif column.kind == "date":  # date objects: pyreadstat writes dates
            frame[column.name] = pd.Series(values, dtype=object)
        else:
            frame[column.name] = pd.Series(values, dtype="float64")
    return pd.DataFrame(frame)


def write_stats(
    export: Export, layout: Layout, path: Path, stem: str, progress: Progress
) -> None:
    import pyreadstat

    frame = _stats_frame(layout, progress)
    labels = {c.name: str(c.label)[:80] for c in layout.columns}
    value_labels = {
        c.name: {float(k): v[:80] for k, v in c.value_labels.items()}
        for c in layout.columns
        if c.value_labels
    }
    {
        c.name: "DATE10" if export.format == "sav" else "%td"
        for c in layout.columns
        if c.kind == "date"
    }
    data_path = path.with_suffix(f".{export.format}.tmp")
    if export.format == Export.Format.SAV:
        pyreadstat.write_sav(
            frame,
            str(data_path),
            column_labels=labels,
            variable_value_labels=value_labels,
        )
    else:
        pyreadstat.write_dta(
            frame,
            str(data_path),
            column_labels=labels,
            variable_value_labels=value_labels,
        )
    del frame
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(data_path, f"{stem}.{export.format}")
        _zip_text(
            zf,
            f"{stem}-codebook.csv",
            lambda out: write_csv(
                out, codebook_rows(layout.columns), header=CODEBOOK_HEADER
            ),
        )
    data_path.unlink()


WRITERS = {
    Export.Format.CSV: (write_csv_zip, "zip"),
    Export.Format.XLSX: (write_xlsx, "xlsx"),
    Export.Format.SAV: (write_stats, "zip"),
    Export.Format.DTA: (write_stats, "zip"),
}


def file_stem(export: Export, today: date | datetime) -> str:
    kind = "pseudonymiseret" if export.pseudonymised else "identificeret"
    return f"bip-{export.layout}-{kind}-{today:%Y%m%d}-{export.pk}"

"""The shared import machinery (DESIGN section 6): upload, check in chunks into the
staging table (progress visible, restartable), a per-row report, and an all-or-nothing
commit. Both steps are durable jobs."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bip import tabular
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.db import copy_rows
from bip.exceptions import ApplicationError
from bip.imports import formats, reading
from bip.imports.models import ImportBatch, ImportRow
from bip.jobs import services as jobs

CHUNK = 1000
PARSE_JOB, COMMIT_JOB = "imports.parse", "imports.commit"
# the staging table's columns, written with COPY (JSON as text)
STAGED_FIELDS = ["batch", "row_number", "key", "data", "errors", "warnings", "status"]


@transaction.atomic
def batch_create(
    *,
    kind: str,
    upload: File,
    municipality_id: int,
    by: Any,
    encoding: str = "auto",
    options: dict[str, Any] | None = None,
) -> ImportBatch:
    if upload.size is not None and upload.size > reading.MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": reading.MAX_BYTES // (1024 * 1024)}
        )
    if encoding not in reading.ENCODINGS:
        raise ApplicationError(_("Unknown encoding."))
    formats.format_for(kind)
    name = default_storage.save(f"imports/{municipality_id}/{uuid.uuid4().hex}", upload)
    batch = ImportBatch.objects.create(
        municipality_id=municipality_id,
        kind=kind,
        original_name=(upload.name or "")[:255],
        file_name=name,
        encoding=encoding,
        created_by=by,
        options={**(options or {}), "language": translation.get_language() or "da"},
    )
    batch.parse_job = jobs.enqueue(
        kind=PARSE_JOB,
        params={"batch_id": batch.pk},
        municipality_id=municipality_id,
        requested_by=by,
    )
    batch.save(update_fields=["parse_job"])
    record(
        actor=by,
        action="import.upload",
        purpose=Purpose.ADMINISTRATION,
        object_type="importbatch",
        object_id=batch.pk,
        municipality_id=municipality_id,
        write=True,
    )
    return batch


def _context(batch: ImportBatch) -> formats.Context:
    return formats.Context(
        municipality_id=batch.municipality_id,
        user=batch.created_by,
        options=batch.options,
        batch_id=batch.pk,
    )


def parse_job(claim: Any) -> None:
    batch = ImportBatch.objects.select_related("created_by").get(
        pk=claim.job.params["batch_id"]
    )
    # the report is written in the language of the person who uploaded the file
    with translation.override(batch.options.get("language", "da")):
        _parse(claim, batch)


def _parse(claim: Any, batch: ImportBatch) -> None:
    fmt = formats.format_for(batch.kind)
    ctx = _context(batch)
    done_until = claim.job.checkpoint.get("row", 0)  # a restart resumes after this row
    try:
        with default_storage.open(batch.file_name, "rb") as fh:
            table = reading.open_table(fh, batch.original_name, batch.encoding)
            mapping, missing = formats.header_map(fmt, table.header)
            if missing:
                raise reading.FileError(
                    _("Columns are missing: %(cols)s.") % {"cols": ", ".join(missing)}
                )
            with transaction.atomic():
                claim.advance(total=table.total_hint)
            chunk: list[formats.RawRow] = []
            for number, cells, problem in table.rows:
                if number <= done_until:
                    continue
                values = {
                    name: cells[i] if i < len(cells) else None
                    for i, name in mapping.items()
                }
                chunk.append(formats.RawRow(number, values, problem))
                if len(chunk) >= CHUNK:
                    _stage(claim, fmt, ctx, batch, chunk)
                    chunk = []
            if chunk:
                _stage(claim, fmt, ctx, batch, chunk)
    except reading.FileError as exc:
        batch.file_errors = [str(exc)]
    _finish_check(batch, fmt)
    if not batch.rows.exists() and not batch.file_errors:
        batch.file_errors = [_("The file has a header but no rows.")]
    batch.save(
        update_fields=[
            "file_errors",
            "rows_total",
            "rows_error",
            "rows_warning",
            "rows_new",
            "rows_same",
            "updated_at",
        ]
    )
    with transaction.atomic():
        claim.advance(total=max(batch.rows_total, 1))
    _delete_file(batch)  # the staged rows are all the commit needs


def _stage(
    claim: Any,
    fmt: formats.ImportFormat,
    ctx: formats.Context,
    batch: ImportBatch,
    chunk: list[formats.RawRow],
) -> None:
    results = fmt.validate_chunk(ctx, chunk)
    rows = []
    for raw, result in zip(chunk, results, strict=True):
        if raw.decode_problem:
            result.error("", raw.decode_problem)
        status = (
            ImportRow.Status.ERROR
            if result.errors
            else (ImportRow.Status.SAME if result.same else ImportRow.Status.NEW)
        )
        rows.append(
            (
                batch.pk,
                raw.number,
                result.key[:200],
                json.dumps(result.data),
                json.dumps(result.errors),
                json.dumps(result.warnings),
                status,
            )
        )
    with transaction.atomic():  # rows, checkpoint and heartbeat together
        copy_rows(ImportRow, STAGED_FIELDS, rows)
        claim.advance(checkpoint={"row": chunk[-1].number}, progress=len(chunk))


def _finish_check(batch: ImportBatch, fmt: formats.ImportFormat) -> None:
    """Duplicates within the file, the format's checks over the whole file, then the
    counts."""
    dupes = (
        batch.rows.exclude(key="")
        .values("key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("key", flat=True)
    )
    for row in batch.rows.filter(key__in=list(dupes[:10000])).order_by("row_number"):
        row.errors = [
            *row.errors,
            {"column": "", "problem": str(fmt.duplicate_message)},
        ]
        row.status = ImportRow.Status.ERROR
        row.save(update_fields=["errors", "status"])
    problems = fmt.check_batch(
        _context(batch), batch.rows.filter(status=ImportRow.Status.NEW)
    )
    ids = sorted(problems)
    for i in range(0, len(ids), CHUNK):
        rows = list(ImportRow.objects.filter(pk__in=ids[i : i + CHUNK]))
        for row in rows:
            row.errors = [
                *row.errors,
                *(
                    {"column": column, "problem": str(problem)}
                    for column, problem in problems[row.pk]
                ),
            ]
            row.status = ImportRow.Status.ERROR
        ImportRow.objects.bulk_update(rows, ["errors", "status"])
    counts = dict(batch.rows.values_list("status").annotate(n=Count("pk")))
    batch.rows_total = sum(counts.values())
    batch.rows_error = counts.get(ImportRow.Status.ERROR, 0)
    batch.rows_same = counts.get(ImportRow.Status.SAME, 0)
    batch.rows_new = counts.get(ImportRow.Status.NEW, 0)
    batch.rows_warning = batch.rows.exclude(warnings=[]).count()


@transaction.atomic
def commit_request(*, batch: ImportBatch, by: Any) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.commit_job_id is not None:
        return batch  # a second click does nothing
    if not batch.can_commit:
        raise ApplicationError(
            _(
                "The import cannot be saved: fix the rows with errors and upload the file again."
            )
        )
    batch.commit_job = jobs.enqueue(
        kind=COMMIT_JOB,
        params={"batch_id": batch.pk},
        municipality_id=batch.municipality_id,
        requested_by=by,
        total=batch.rows_new,
    )
    batch.save(update_fields=["commit_job", "updated_at"])
    return batch


def commit_job(claim: Any) -> None:
    """All or nothing: one transaction moves the whole batch into the real tables."""
    batch = ImportBatch.objects.select_related("created_by").get(
        pk=claim.job.params["batch_id"]
    )
    if batch.committed_at is not None:
        return
    if batch.rows.filter(status=ImportRow.Status.ERROR).exists():
        raise ApplicationError(_("The import has rows with errors."))
    fmt = formats.format_for(batch.kind)
    ctx = _context(batch)
    with transaction.atomic():
        result = fmt.commit(ctx, batch.rows.filter(status=ImportRow.Status.NEW))
        batch.committed_at = timezone.now()
        batch.save(update_fields=["committed_at", "updated_at"])
        record(
            actor=batch.created_by,
            action="import.commit",
            purpose=Purpose.ADMINISTRATION,
            object_type="importbatch",
            object_id=batch.pk,
            municipality_id=batch.municipality_id,
            citizen_ids=result.pop("citizen_ids", []),
            write=True,
        )
        claim.advance(progress=batch.rows_new)
    claim.job.result = {k: v for k, v in result.items() if isinstance(v, int)}
    _delete_file(batch)


def _delete_file(batch: ImportBatch) -> None:
    if batch.file_name:
        default_storage.delete(batch.file_name)
        ImportBatch.objects.filter(pk=batch.pk).update(file_name="")


def report_csv(batch: ImportBatch) -> str:
    """The per-row report (row, column, problem); CPR numbers only masked."""
    out = io.StringIO()
    writer = tabular.csv_writer(out, delimiter=";")
    writer.writerow([_("Row"), _("Column"), _("Problem"), _("Kind")])
    for problem in batch.file_errors:
        writer.writerow(["", "", problem, _("error")])
    for row in (
        batch.rows.exclude(errors=[], warnings=[])
        .order_by("row_number")
        .iterator(chunk_size=2000)
    ):
        for e in row.errors:
            writer.writerow([row.row_number, e["column"], e["problem"], _("error")])
        for w in row.warnings:
            writer.writerow([row.row_number, w["column"], w["problem"], _("warning")])
    return "\ufeff" + out.getvalue()  # with a BOM: Danish Excel opens it as UTF-8

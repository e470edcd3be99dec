"""A file is checked without loading it into memory: the Python-side peak (tracemalloc)
of the check does not grow with the number of rows. Fixed, small sizes here; the
national-size run (a million rows, the worker's peak memory) is in `make bench`."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest
from django.core.files import File

from bip.imports.models import ImportBatch, ImportRow
from bip.imports.services import batch_create
from bip.jobs.services import job_run

pytestmark = pytest.mark.django_db


def check_peak(tmp_path, settings, admin, citizen, rows: int) -> int:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    path = tmp_path / f"udtraek-{rows}.csv"
    number = citizen.cpr_clear()
    with path.open("w", encoding="utf-8") as fh:
        fh.write("cpr;udfald;dato\n")
        first = date(1960, 1, 1)
        for i in range(rows):
            fh.write(
                f"{number};tilbage på ydelse;{first + timedelta(days=i):%d-%m-%Y}\n"
            )
    with path.open("rb") as fh:
        batch = batch_create(
            kind="outcomes",
            upload=File(fh, name=path.name),
            municipality_id=citizen.municipality_id,
            by=admin,
            options={"outcomes_known_until": "2026-10-31"},
        )
    tracemalloc.start()
    try:
        job_run(job_id=batch.parse_job_id)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.parse_job.state == "done", batch.parse_job.error
    assert (batch.file_errors, batch.rows_total, batch.rows_error) == ([], rows, 0)
    assert ImportRow.objects.filter(batch=batch).count() == rows
    assert batch.parse_job.progress == rows
    return peak


def test_the_checks_memory_does_not_grow_with_the_file(
    tmp_path, settings, municipal_admin, citizen
):
    small = check_peak(tmp_path, settings, municipal_admin, citizen, 3_000)
    large = check_peak(tmp_path, settings, municipal_admin, citizen, 15_000)
    # five times the rows, and the peak stays that of one chunk
    assert large < 1.5 * small, f"{small / 1e6:.1f} MB -> {large / 1e6:.1f} MB"
    assert large < 32 * 1024 * 1024

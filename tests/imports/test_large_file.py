"""100,000 rows are checked without loading the file into memory: the Python-side
peak (tracemalloc) stays far below the file's size in objects. Runs once per suite."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest
from django.core.files import File

from bip.imports.models import ImportBatch, ImportRow
from bip.imports.services import batch_create
from bip.jobs.services import job_run

pytestmark = [pytest.mark.django_db, pytest.mark.large, pytest.mark.timeout(900)]
ROWS = 100_000
PEAK_LIMIT = 64 * 1024 * 1024


def test_100k_rows_stream_through_the_check(
    tmp_path,
    settings,
    municipal_admin,
    caseworker,
    world,
    django_capture_on_commit_callbacks,
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    path = tmp_path / "borgere.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("cpr;navn;team;sagsbehandler;startdato;målgruppe\n")
        born = date(1960, 1, 1)
        for i in range(ROWS):
            d = born + timedelta(days=i // 10)
            fh.write(
                f"{d:%d%m%y}-{(i % 10) + 1000};Borger {i};Team A;caseworker;06-01-2025;kontant_aktivitetsparat\n"
            )
    size = path.stat().st_size
    with path.open("rb") as fh:
        batch = batch_create(
            kind="citizens",
            upload=File(fh, name="borgere.csv"),
            municipality_id=world.municipality.pk,
            by=municipal_admin,
        )
    tracemalloc.start()
    try:
        job_run(job_id=batch.parse_job_id)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.parse_job.state == "done", batch.parse_job.error
    assert batch.file_errors == []
    assert batch.rows_total == ROWS
    assert batch.rows_error == 0
    assert ImportRow.objects.filter(batch=batch).count() == ROWS
    assert batch.parse_job.progress == ROWS
    assert peak < PEAK_LIMIT, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"

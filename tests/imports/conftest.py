from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bip.imports.models import ImportBatch


@pytest.fixture
def run_import(client, municipal_admin, django_capture_on_commit_callbacks):
    """Upload a file as the municipal admin; the check job runs at commit (eager)."""

    def run(
        kind: str, content: bytes, name: str = "data.csv", **fields: str
    ) -> ImportBatch:
        client.force_login(municipal_admin)
        before = ImportBatch.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(
                f"/imports/new/{kind}/",
                {
                    "file": SimpleUploadedFile(name, content),
                    "encoding": fields.pop("encoding", "auto"),
                    **fields,
                },
            )
        if ImportBatch.objects.count() == before:
            run.last_response = r
            return None
        batch = ImportBatch.objects.latest("pk")
        assert r.status_code == 302
        return batch

    return run


@pytest.fixture
def commit_import(client, municipal_admin, django_capture_on_commit_callbacks):
    def commit(batch: ImportBatch) -> ImportBatch:
        client.force_login(municipal_admin)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/imports/{batch.pk}/commit/")
        batch.refresh_from_db()
        return batch

    return commit


def xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

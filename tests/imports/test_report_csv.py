"""The import report repeats what the upload said (column names, values in problems):
written through the formula-safe writer, nothing in it runs as a formula."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.files.base import ContentFile

from bip.imports.models import ImportRow
from bip.imports.services import batch_create

pytestmark = pytest.mark.django_db


def test_report_csv_neutralises_uploaded_formulas(client, municipal_admin, world):
    batch = batch_create(
        kind="outcomes",
        upload=ContentFile(b"cpr;outcome;date\n", name="udtraek.csv"),
        municipality_id=world.municipality.pk,
        by=municipal_admin,
    )
    batch.file_errors = ["@SUM(1+1)*cmd|' /C calc'!A0"]
    batch.save(update_fields=["file_errors"])
    ImportRow.objects.create(
        batch=batch,
        row_number=2,
        status=ImportRow.Status.ERROR,
        errors=[{"column": '=HYPERLINK("http://x.example")', "problem": "+cmd|x!A0"}],
        warnings=[{"column": "date", "problem": "-1+2"}],
    )
    client.force_login(municipal_admin)
    r = client.get(f"/imports/{batch.pk}/report.csv")
    assert r.status_code == HTTPStatus.OK
    assert (
        r.content
        == (
            "\ufeffRække;Kolonne;Problem;Type\r\n"
            ";;'@SUM(1+1)*cmd|' /C calc'!A0;fejl\r\n"
            '2;"\'=HYPERLINK(""http://x.example"")";\'+cmd|x!A0;fejl\r\n'
            "2;date;'-1+2;advarsel\r\n"
        ).encode()
    )

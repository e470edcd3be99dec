"""The export's fast path (docs/exports.md): a job outside a transaction reads the
layout's rows with COPY (query) TO STDOUT on a connection of its own (bip/db.py's
stream_tuples) and writes them with the typed CSV writer. Its files hold exactly the
layout's rows, identified and pseudonymised, with text cells neutralised; and the
COPY rows equal the ORM's rows of the same query, cell for cell."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction

from bip.db import stream_tuples
from citizens.models import Citizen
from tests.factories import CitizenFactory
from tests.reports.export_helpers import members, read_back, run_export
from tests.reports.test_exports import EXPECTED

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]


@pytest.fixture
def copies(monkeypatch):
    """The COPY ... TO STDOUT statements sent."""
    sent = []
    copy = psycopg.Cursor.copy

    def recorded(cursor, statement, *args, **kwargs):
        if "TO STDOUT" in str(statement):
            sent.append(str(statement))
        return copy(cursor, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", recorded)
    return sent


@pytest.mark.parametrize("pseudonymised", [False, True])
def test_every_layout_through_copy_holds_exactly_its_rows(
    data, municipal_admin, world, copies, pseudonymised
):
    assert not connection.in_atomic_block
    for layout in EXPECTED:
        kwargs = (
            {"date_shift": True}
            if pseudonymised
            else {"purpose": "administration", "purpose_note": "Afstemning"}
        )
        export = run_export(
            municipal_admin,
            world.municipality.pk,
            layout=layout,
            format="csv",
            pseudonymised=pseudonymised,
            **kwargs,
        )
        _header, rows, _book = read_back(export)
        assert rows == EXPECTED[layout](export), layout
        assert len(rows) == export.rows > 0
        if layout == "wide":  # Bo has rounds: his name is text, neutralised
            text = next(v for k, v in members(export).items() if "codebook" not in k)
            assert (b";'=Bo Formel;" in text) == (not pseudonymised)
            assert b";=Bo Formel;" not in text
    assert len(copies) == len(EXPECTED)


def test_copy_rows_equal_the_orm_rows_cell_for_cell(world, copies):
    """Text with the characters COPY escapes, uuids, dates and NULLs come back as
    the ORM reads them."""
    for name in ("Tab\there", "Line\nbreak", "Back\\slash", '"Q";x', "\\N", ""):
        CitizenFactory(team=world.team, name=name)
    qs = Citizen.objects.values(
        "pk", "key", "name", "birth_date", "round_interval_days"
    ).order_by("pk")
    orm = [(r["pk"], str(r["key"]), *list(r.values())[2:]) for r in qs]
    assert {r[-1] for r in orm} == {None}
    fast = list(stream_tuples(qs, chunk_size=2))
    assert len(copies) == 1
    assert fast == orm
    with transaction.atomic():  # inside a transaction: the server-side cursor
        assert list(stream_tuples(qs, chunk_size=2)) == orm
    assert len(copies) == 1
    # a reader that stops early closes its COPY's connection; the job's own works
    rows = stream_tuples(qs)
    assert next(rows) == orm[0]
    rows.close()
    assert Citizen.objects.count() == len(orm)

"""The export's fast path (docs/exports.md): a job outside a transaction reads the
layout's rows with COPY (query) TO STDOUT on a connection of its own (bip/db.py's
stream_tuples) and writes them with the typed CSV writer. Its files hold exactly the
layout's rows, identified and pseudonymised, with text cells neutralised; and the
COPY rows equal the ORM's rows of the same query, cell for cell."""

from __future__ import annotations

import io
from functools import partial

import psycopg
import pytest
from django.db import connection, transaction

from bip.db import stream_tuples
from bip.tabular import write_csv
from citizens.models import Citizen
from measurements.models import Answer, IndicatorScore, Question, Round
from reports.exports.layouts import Identity, _sql_lines, layout_for
from reports.models import Export
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


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize(
    "options",
    [
        {"pseudonymised": False, "purpose": "administration", "purpose_note": "Ret"},
        {"pseudonymised": True, "date_shift": True, "csv_semicolon": False},
        {"pseudonymised": True, "csv_bom": False},
    ],
)
def test_the_file_postgresql_formats_is_the_writers_byte_for_byte(
    data, municipal_admin, world, options, layout
):
    """The wide and long layouts' rows are formatted by PostgreSQL
    (layouts._sql_lines): the file is the one the writer gives for the same rows,
    with numbers the notations differ on, text that must be quoted or neutralised
    (a name, a question's code), and shifted dates."""
    # a name the writer quotes, holding the character that marks cells in the SQL
    Citizen.objects.filter(pk=data["anna"].pk).update(name='Østergård; "A" =1+1\x1f')
    scores = list(IndicatorScore.objects.order_by("pk").values_list("pk", flat=True))
    awkward = [3.0, 0.1 + 0.2, 1.5e-7, 2.5e15, 8.10901135706246e16, None, -0.0, 1e-4]
    for pk, value in zip(scores, awkward * len(scores), strict=False):
        IndicatorScore.objects.filter(pk=pk).update(value=value)
    answered = Answer.objects.order_by("pk").values_list("question_id", flat=True)
    Question.objects.filter(pk=answered[0]).update(code='=q;"1",\n2')
    # two of Anna's rounds on one date: the round's id orders and numbers them
    rounds = Round.objects.filter(enrolment__citizen=data["anna"]).order_by(
        "round_date"
    )
    second, third = list(rounds)[1:3]
    Round.objects.filter(pk=third.pk).update(round_date=second.round_date)
    export = run_export(
        municipal_admin, world.municipality.pk, layout=layout, format="csv", **options
    )
    bound = layout_for(export)
    assert bound.lines is not None  # PostgreSQL formats the rows
    delimiter = ";" if export.csv_semicolon else ","
    expected = io.StringIO(newline="")
    write_csv(
        expected,
        bound.rows(),
        header=[c.name for c in bound.columns],
        delimiter=delimiter,
        bom=export.csv_bom,
    )
    text = next(v for k, v in members(export).items() if "codebook" not in k)
    assert text == expected.getvalue().encode()
    assert export.rows == 5 if layout == "wide" else export.rows > 5
    if layout == "wide":  # 2.5e15 as Python writes it (PostgreSQL's: 2.5e+15)
        point = b"," if delimiter == ";" else b"."
        assert b"2500000000000000" + point + b"0" in text
        assert b"2.5e+15" not in text
    else:  # the question's code neutralised and quoted
        assert b'"\'=q;""1"",\n2"' in text


def test_postgresql_lines_need_rows_ordered_by_identity_date_and_round(world):
    """The SQL groups and numbers rows in the order they come: a layout whose rows
    do not come by the citizen's identity, date and round is refused."""
    export = Export(municipality=world.municipality, pseudonymised=True)
    identity = Identity(export, "enrolment__citizen__")
    queryset = Round.objects.values("pk", "round_date", *identity.fields())
    lines = partial(
        _sql_lines,
        queryset,
        identity,
        day="round_date",
        round_id="pk",
        tail=lambda col: [],
    )
    ok = [*identity.fields(), "round_date", "pk"]
    assert lines(order=ok)
    for order in (["enrolment__citizen__id", "round_date", "pk"], ok[::-1]):
        with pytest.raises(ValueError, match="citizen, identity, date and round"):
            lines(order=order)

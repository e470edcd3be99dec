"""The COPY paths of bip/db.py the recompute writes and reads with: a DataFrame
written as binary COPY (NULLs, moments, any text), numbers read back with COPY
inside the writing transaction, and a transaction whose commit does not wait for the
disk; and PostgreSQL writing an export's numbers and dates as the CSV writer does."""

from __future__ import annotations

import math
import random
import struct
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from django.db import IntegrityError, connection, transaction

from bip.db import copy_frame, derived_commit, read_numbers, stream_sql
from bip.tabular import SQL_LINE_SEP, SQL_MARK, csv_cells, sql_csv_cell, sql_csv_finish
from measurements.models import IndicatorScore, Round
from tests.measurements.helpers import bulk_spells

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

MOMENT = datetime(2026, 11, 30, 12, 34, 56, 789012, tzinfo=UTC)


def frame(world, round_ids, *, indicator="cw_job_belief"):
    n = len(round_ids)
    return pd.DataFrame(
        {
            "municipality_id": world.municipality.pk,
            "round_id": round_ids,
            "respondent": "caseworker",
            "indicator": indicator,
            "value": [2.5, float("nan")][:n],
            "n_answered": [2, 0][:n],
            "delta_previous": [float("nan"), -0.25][:n],
            "delta_baseline": [0.125, float("nan")][:n],
            "changed_previous": [False, True][:n],
            "changed_baseline": [True, False][:n],
            "inputs_hash": ["a" * 64, "b" * 64][:n],
            "computed_at": MOMENT,
        }
    )


def test_copy_frame_writes_nulls_moments_and_values_exactly(world, caseworker):
    rounds = bulk_spells(world.team, caseworker, spells=2, per_spell=1)
    ids = sorted(r.pk for r in rounds)
    with transaction.atomic():
        copy_frame(IndicatorScore, frame(world, ids))
    first, second = IndicatorScore.objects.filter(indicator="cw_job_belief").order_by(
        "round_id"
    )
    assert (first.value, first.n_answered, first.delta_previous) == (2.5, 2, None)
    assert (first.delta_baseline, first.changed_previous, first.changed_baseline) == (
        0.125,
        False,
        True,
    )
    assert (second.value, second.delta_previous, second.delta_baseline) == (
        None,
        -0.25,
        None,
    )
    assert first.computed_at == MOMENT
    assert second.computed_at == MOMENT
    assert (first.inputs_hash, second.inputs_hash) == ("a" * 64, "b" * 64)


@pytest.mark.parametrize("text", ["cw\tjob", "cw\njob", "cw\\job", "cw_jøb"])
def test_copy_frame_writes_any_text_as_it_is(world, caseworker, text):
    """Binary COPY: a tab, a newline, a backslash or a non-ASCII letter is no
    separator, escape or encoding problem."""
    rounds = bulk_spells(world.team, caseworker, spells=1, per_spell=1)
    with transaction.atomic():
        copy_frame(IndicatorScore, frame(world, [rounds[0].pk], indicator=text))
    assert IndicatorScore.objects.get(round=rounds[0], indicator=text).value == 2.5


def test_copy_frame_writes_texts_of_different_lengths_in_one_column(world, caseworker):
    """Each cell of a text column is written at its own length, not the longest's."""
    rounds = bulk_spells(world.team, caseworker, spells=2, per_spell=1)
    ids = sorted(r.pk for r in rounds)
    rows = frame(world, ids)
    rows["respondent"] = ["citizen", "caseworker"]
    rows["indicator"] = ["cw_job_belief_x", "cw"]
    with transaction.atomic():
        copy_frame(IndicatorScore, rows)
    found = list(
        IndicatorScore.objects.filter(
            round_id__in=ids, indicator__in=["cw_job_belief_x", "cw"]
        )
        .order_by("round_id")
        .values_list("respondent", "indicator")
    )
    assert found == [("citizen", "cw_job_belief_x"), ("caseworker", "cw")]


def test_copy_frame_refuses_a_type_whose_binary_form_it_does_not_write(world):
    before = Round.objects.count()
    with pytest.raises(ValueError, match="round_date: binary COPY of type date"):
        copy_frame(Round, pd.DataFrame({"round_date": [date(2026, 1, 5)]}))
    assert Round.objects.count() == before


def test_copy_frame_writes_nothing_when_a_row_breaks_a_constraint(world, caseworker):
    rounds = bulk_spells(world.team, caseworker, spells=1, per_spell=1)
    before = IndicatorScore.objects.count()
    broken = frame(world, [rounds[0].pk, rounds[0].pk])  # the same key twice
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_frame(IndicatorScore, broken)
    assert IndicatorScore.objects.count() == before


def test_read_numbers_reads_the_transactions_own_writes_with_nulls_as_nan(
    world, caseworker
):
    rounds = bulk_spells(world.team, caseworker, spells=2, per_spell=1)
    ids = sorted(r.pk for r in rounds)
    with transaction.atomic():
        copy_frame(IndicatorScore, frame(world, ids))
        found = read_numbers(
            IndicatorScore.objects.filter(
                round_id__in=ids, indicator="cw_job_belief"
            ).order_by("round_id"),
            ["round_id", "n_answered", "value"],
            ["round", "answered", "value"],
        )
    assert list(found.columns) == ["round", "answered", "value"]
    assert found["round"].tolist() == ids
    assert found["answered"].tolist() == [2, 0]
    assert found["value"].iloc[0] == 2.5
    assert math.isnan(found["value"].iloc[1])
    empty = read_numbers(
        IndicatorScore.objects.filter(round_id=-1), ["round_id"], ["round"]
    )
    assert empty.empty
    assert list(empty.columns) == ["round"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_derived_commit_does_not_wait_for_the_disk_and_only_that_transaction():
    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with transaction.atomic():
        derived_commit()
        assert setting() == "off"
    assert setting() == "on"


# --- PostgreSQL writing a CSV file's numbers and dates (bip/tabular.py) ---


def awkward_floats() -> list[float]:
    """Whole numbers, tenths, tiny and huge magnitudes, the edges of the notations
    (1e-4, 1e15, 1e16), 17-digit whole numbers, NaN and the infinities, and a fixed
    sample of any bit pattern a double can hold."""
    rng = random.Random(21)
    edges = [0.0, -0.0, 1.0, -3.0, 0.5, 0.1 + 0.2, 1e-4, 1e-5, 1.5e-7, 5e-324]
    edges += [123456789012345.0, 999999999999999.9, 1e15, 1234567890123456.8, 1e16]
    edges += [8.10901135706246e16, -6.510999507655786e16, 1e22, 1.7976931348623157e308]
    edges += [float("nan"), float("inf"), float("-inf")]
    sample = [
        struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        for _ in range(3000)
    ]
    sample += [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 18) for _ in range(3000)]
    sample += [round(rng.uniform(0, 100), rng.randint(0, 3)) for _ in range(2000)]
    return edges + sample


@pytest.mark.parametrize("delimiter", [";", ","])
def test_postgresql_writes_numbers_and_dates_as_the_csv_writer_does(delimiter):
    comma = delimiter == ";"
    floats = awkward_floats()
    days = [date(2026, 11, 30), date(999, 1, 2), None]
    cells = ", ".join(
        [
            sql_csv_cell("f", "float", delimiter=delimiter),
            sql_csv_cell("i", "int", delimiter=delimiter),
            sql_csv_cell("d", "date", delimiter=delimiter),
        ]
    )
    sql = (
        f"SELECT n, concat_ws('{delimiter}', {cells})"  # noqa: S608 - the cells' own SQL
        " FROM unnest(%s::float8[], %s::bigint[], %s::date[])"
        " WITH ORDINALITY AS t(f, i, d, n) ORDER BY n"
    )
    ints = [(-1) ** k * k * 7919 for k in range(len(floats))]
    ints[1] = None
    dates = [days[k % 3] for k in range(len(floats))]
    with connection.cursor() as cursor:  # a server that writes 15 digits, D/M/Y
        cursor.execute("SET extra_float_digits = 0")
        cursor.execute("SET DateStyle = 'SQL, DMY'")
    got = [
        sql_csv_finish(text, delimiter=delimiter)
        for _n, text in stream_sql(sql, [floats, ints, dates])
    ]
    want = [
        csv_cells([f, i, d], delimiter=delimiter)
        for f, i, d in zip(floats, ints, dates, strict=True)
    ]
    assert got == want
    assert want[0] == delimiter.join(["0,0" if comma else "0.0", "0", "2026-11-30"])


TEXTS = [
    "plain",
    "",
    None,
    "Østergård æøå",
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "a;b",
    "a,b",
    'say "hi"',
    "two\nlines",
    "cr\ronly",
    "crlf\r\nend",
    "back\\slash\\N",
    " leading space",
    "\x1eseparator",
    "mark\x1finside",
    "=\x1f",
    "tab\tinside",
    "1 digit first",
    ".5/:<>?",
    "A-B (c)",
]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_postgresql_writes_text_as_the_csv_writer_does(delimiter):
    """Text the writer leaves as it is comes from SQL as it is; text it would
    prefix or quote, or that holds the characters the lines' SQL uses, goes to
    Python marked and is written by the writer."""
    cell = sql_csv_cell("t", "str", delimiter=delimiter)
    sql = (
        f"SELECT n, concat_ws('{delimiter}', {cell}, {cell})"  # noqa: S608 - the cells' own SQL
        " FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n"
    )
    raw = [text for _n, text in stream_sql(sql, [TEXTS])]
    got = [sql_csv_finish(text, delimiter=delimiter) for text in raw]
    want = [csv_cells([t, t], delimiter=delimiter) for t in TEXTS]
    assert got == want
    assert got[4] == delimiter.join(['"\'=HYPERLINK(""http://x"")"'] * 2)

    # only text the writer changes, or that holds the lines' two characters, costs
    # Python anything
    def as_is(t):
        if t is None:
            return True
        own = SQL_MARK in t or SQL_LINE_SEP in t
        return (
            not own and csv_cells(["x", t], delimiter=delimiter) == f"x{delimiter}{t}"
        )

    unchanged = [t for t in TEXTS if as_is(t)]
    assert {
        "plain",
        "",
        "Østergård æøå",
        " leading space",
        "tab\tinside",
        "1 digit first",
        ".5/:<>?",
        "A-B (c)",
    } <= set(unchanged)
    assert ("a;b" in unchanged) == (delimiter == ",")
    for t, text in zip(TEXTS, raw, strict=True):
        assert (SQL_MARK not in text) == (t in unchanged), t


def test_postgresql_formats_only_the_kinds_it_knows():
    with pytest.raises(ValueError, match="'other'"):
        sql_csv_cell("x", "other", delimiter=";")
    with pytest.raises(ValueError, match="delimiter"):
        sql_csv_cell("x", "int", delimiter="\t")

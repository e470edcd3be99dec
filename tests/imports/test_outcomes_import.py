from __future__ import annotations

from datetime import date, datetime

import pytest

from bip.accounts.models import Municipality
from bip.imports.models import ImportRow
from citizens.models import Enrolment
from interventions.models import Outcome
from tests.factories import CitizenFactory, TeamFactory
from tests.imports.conftest import xlsx

pytestmark = pytest.mark.django_db
KNOWN = {"outcomes_known_until": "2026-10-31"}


def errors(batch):
    return [
        (r.row_number, e["column"], e["problem"])
        for r in batch.rows.order_by("row_number")
        for e in r.errors
    ]


def test_utf8_without_bom_dd_mm_yyyy(run_import, commit_import, citizen):
    cpr = citizen.cpr_clear()
    batch = run_import(
        "outcomes", f"cpr,outcome,date\n{cpr},job,01-04-2026\n".encode(), **KNOWN
    )
    assert batch.parse_job.state == "done"
    assert (batch.rows_total, batch.rows_new, batch.rows_error) == (1, 1, 0)
    batch = commit_import(batch)
    assert batch.committed_at is not None
    o = Outcome.objects.get()
    assert (o.kind, o.date, o.source, o.import_batch_id) == (
        "job",
        date(2026, 4, 1),
        "import",
        batch.pk,
    )
    assert Enrolment.objects.get(citizen=citizen).end == date(2026, 4, 1)
    assert Municipality.objects.get(
        pk=citizen.municipality_id
    ).outcomes_known_until == date(2026, 10, 31)


def test_utf8_with_bom_and_danish_names(run_import, citizen):
    content = f"\ufeffCPR-nummer;Udfald;Dato\n{citizen.cpr_clear()};ordinært job;01.04.2026\n".encode()
    batch = run_import("outcomes", content, **KNOWN)
    assert batch.rows_error == 0, errors(batch)
    assert ImportRow.objects.get().data["kind"] == "job"


def test_windows_1252_with_semicolons(run_import, citizen):
    content = (
        f"cpr;udfald;dato\n{citizen.cpr_clear()};tilbage på ydelse;15.05.2026\n".encode(
            "cp1252"
        )
    )
    batch = run_import("outcomes", content, **KNOWN)
    assert batch.rows_error == 0, errors(batch)
    assert ImportRow.objects.get().data["kind"] == "back_on_benefit"


def test_xlsx_date_cells_and_nine_digit_cpr(run_import, caseworker, world):
    c = CitizenFactory(team=world.team, caseworker=caseworker, cpr="0707614285")
    content = xlsx(
        [["cpr", "outcome", "date"], [707614285, "education", datetime(2026, 3, 2)]]  # noqa: DTZ001 - Excel cells are naive
    )
    batch = run_import("outcomes", content, name="udtraek.xlsx", **KNOWN)
    assert batch.rows_error == 0, errors(batch)
    row = ImportRow.objects.get()
    assert row.data["citizen_id"] == c.pk
    assert row.data["date"] == "2026-03-02"
    assert "nul" in row.warnings[0]["problem"]  # the leading zero was added
    assert "0707614285" not in str(row.data) + str(row.warnings)


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("320190-4285;job;01-04-2026", "cpr"),  # impossible CPR date
        ("{cpr};promoted;01-04-2026", "outcome"),  # unknown outcome
        ("{cpr};job;31-02-2026", "date"),  # impossible date
        ("{cpr};job;2026/04/01", "date"),
        ("{cpr};job;01-04-2099", "date"),  # in the future
    ],
)
def test_bad_rows_are_reported_and_nothing_can_be_saved(
    run_import, commit_import, citizen, line, column
):
    content = (
        "cpr;outcome;date\n" + line.format(cpr=citizen.cpr_clear()) + "\n"
    ).encode()
    batch = run_import("outcomes", content, **KNOWN)
    assert batch.rows_error == 1
    assert errors(batch)[0][:2] == (2, column)
    assert not batch.can_commit
    commit_import(batch)
    assert Outcome.objects.count() == 0


def test_unknown_cpr_gets_the_same_message_whether_known_elsewhere(
    run_import, citizen, world
):
    elsewhere = CitizenFactory(
        team=TeamFactory(unit__municipality=world.other_municipality), cpr="0707614285"
    )
    content = f"cpr;outcome;date\n{elsewhere.cpr_clear()};job;01-04-2026\n010170-4280;job;01-04-2026\n".encode()
    batch = run_import("outcomes", content, **KNOWN)
    problems = [p for _, _, p in errors(batch)]
    assert problems == [
        "070761-XXXX: ikke fundet i din kommune.",
        "010170-XXXX: ikke fundet i din kommune.",
    ]


def test_duplicates_within_the_file(run_import, citizen):
    cpr = citizen.cpr_clear()
    batch = run_import(
        "outcomes",
        f"cpr;outcome;date\n{cpr};job;01-04-2026\n{cpr};job;01-04-2026\n".encode(),
        **KNOWN,
    )
    assert batch.rows_error == 2


def test_reimport_changes_nothing(run_import, commit_import, citizen):
    content = (
        f"cpr;outcome;date\n{citizen.cpr_clear()};subsidised_job;01-04-2026\n".encode()
    )
    commit_import(run_import("outcomes", content, **KNOWN))
    again = run_import("outcomes", content, **KNOWN)
    assert (again.rows_same, again.rows_new) == (1, 0)
    assert not again.can_commit
    assert Outcome.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "tom"),
        (b"cpr;outcome;date\n", "ingen rækker"),
        (b"cpr;date\n0101701234;01-01-2026\n", "mangler"),
        (b"\x00\x01\x02garbage", "mangler"),
    ],
)
def test_file_level_problems(run_import, content, message):
    batch = run_import("outcomes", content, **KNOWN)
    if batch is None:  # refused on upload already
        assert message in run_import.last_response.content.decode()
        return
    assert batch.file_errors
    assert message in batch.file_errors[0].lower()
    assert not batch.can_commit


def test_undecodable_bytes_when_utf8_is_chosen(run_import, citizen):
    content = (
        f"cpr;outcome;date\n{citizen.cpr_clear()};job;01-04-2026\n".encode()
        + b"\xff\xfe;job;01-04-2026\n"
    )
    batch = run_import("outcomes", content, encoding="utf-8", **KNOWN)
    assert batch.rows_error == 1
    assert any("tegnsæt" in problem for _, _, problem in errors(batch))


def test_file_over_the_limit_is_refused_before_parsing(run_import, monkeypatch):
    from bip.imports import reading
    from bip.imports.models import ImportBatch

    monkeypatch.setattr(reading, "MAX_BYTES", 10)
    assert (
        run_import(
            "outcomes", b"cpr;outcome;date\n0101701234;job;01-01-2026\n", **KNOWN
        )
        is None
    )
    assert ImportBatch.objects.count() == 0


def test_outcomes_known_until_is_asked(run_import):
    assert run_import("outcomes", b"cpr;outcome;date\n") is None
    assert "outcomes_known_until" in run_import.last_response.context["form"].errors


def test_only_admins_import(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/new/outcomes/").status_code == 403


def test_other_municipality_cannot_see_or_commit(
    client, run_import, other_municipality_admin, citizen
):
    batch = run_import(
        "outcomes",
        f"cpr;outcome;date\n{citizen.cpr_clear()};job;01-04-2026\n".encode(),
        **KNOWN,
    )
    client.force_login(other_municipality_admin)
    assert client.get(f"/imports/{batch.pk}/").status_code == 404
    assert client.get(f"/imports/{batch.pk}/report.csv").status_code == 404
    assert client.post(f"/imports/{batch.pk}/commit/").status_code == 404
    batch.refresh_from_db()
    assert batch.commit_job is None

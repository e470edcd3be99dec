"""Export files read back equal the database (docs/exports.md): every layout in every
format, CSV in both dialects; value labels and the codebook; pseudonyms; no CPR
number, name or free text in a pseudonymised file."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.test import override_settings

from bip.jobs.services import job_run
from bip.tabular import neutralise
from citizens.models import Citizen
from interventions.models import InterventionEpisode, Outcome
from measurements.indicators import INDICATORS
from measurements.models import Answer, IndicatorScore, Round, Score
from measurements.scoring.versions import active_model
from reports.exports import layouts
from reports.exports.pseudonyms import date_shift, pseudonym
from reports.exports.services import exports_expire
from tests.reports.export_helpers import members, read_back, run_export, stats_meta

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]
FORMATS = ["csv", "xlsx", "sav", "dta"]


def identity(citizen, export):
    if export.pseudonymised:
        return (pseudonym(citizen.key),)
    return (citizen.pk, citizen.cpr_clear(), neutralise(citizen.name))


def shift(export, citizen, day):
    if day is None or not export.date_shift:
        return day
    return day + timedelta(days=date_shift(citizen.key))


def age(birth, on):
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def expected_wide(export):
    """The wide layout computed from the models, row by row."""
    model = active_model(municipality_id=export.municipality_id)
    rounds = (
        Round.objects.filter(municipality=export.municipality, round_date__isnull=False)
        .select_related("enrolment__citizen")
        .order_by("enrolment__citizen_id", "round_date", "pk")
    )
    numbers = defaultdict(int)
    classes = {"progress": 1, "standstill": 2, "regression": 3}
    out = []
    for r in rounds:
        c = r.enrolment.citizen
        numbers[c.pk] += 1
        values = {
            (s.respondent, s.indicator): s.value
            for s in IndicatorScore.objects.filter(round=r)
        }
        score = Score.objects.filter(
            round=r, model_version=model, superseded_at__isnull=True
        ).first()
        row = list(identity(c, export))
        if not export.pseudonymised:
            row.append(r.pk)
        row += [
            numbers[c.pk],
            shift(export, c, r.round_date),
            age(c.birth_date, r.round_date),
            r.enrolment.unit_id,
            r.enrolment.target_group_id,
            r.instrument_version_id,
        ]
        for respondent in ("citizen", "caseworker"):
            row += [values.get((respondent, i.code)) for i in INDICATORS]
        row += [
            model.pk if score else None,
            score.hazard_q if score else None,
            score.p12 if score else None,
            classes.get(score.klass) if score else None,
        ]
        out.append(tuple(row))
    return out


def expected_long(export):
    answers = (
        Answer.objects.current()
        .filter(
            response__round__municipality=export.municipality,
            response__state="submitted",
        )
        .select_related("response__round__enrolment__citizen", "question")
        .order_by(
            "response__round__enrolment__citizen_id",
            "response__round__round_date",
            "response__round_id",
            "response__respondent",
            "question__order",
        )
    )
    missing = {"declined": 1, "dont_know": 2, "not_relevant": 3, "not_asked": 4}
    out, last, no = [], {}, defaultdict(int)
    for a in answers:
        r = a.response.round
        c = r.enrolment.citizen
        if last.get(c.pk) != r.pk:
            last[c.pk] = r.pk
            no[c.pk] += 1
        row = list(identity(c, export))
        if not export.pseudonymised:
            row.append(r.pk)
        row += [
            no[c.pk],
            shift(export, c, r.round_date),
            r.instrument_version_id,
            1 if a.response.respondent == "citizen" else 2,
            a.question.code,
            a.question.indicator or None,
            a.value,
            missing.get(a.missing_reason),
        ]
        out.append(tuple(row))
    return out


def expected_interventions(export):
    groups = {"job_directed": 1, "upskilling": 2, "social": 3, "health": 4}
    out = []
    for e in (
        InterventionEpisode.objects.filter(municipality=export.municipality)
        .select_related("enrolment__citizen", "type")
        .order_by("enrolment__citizen_id", "start", "pk")
    ):
        c = e.enrolment.citizen
        row = list(identity(c, export))
        if not export.pseudonymised:
            row.append(e.pk)
        row += [
            e.type_id,
            groups[e.type.group],
            shift(export, c, e.start),
            shift(export, c, e.end),
        ]
        out.append(tuple(row))
    return out


def expected_outcomes(export):
    kinds = {k: i for i, k in enumerate(Outcome.Kind.values, 1)}
    sources = {k: i for i, k in enumerate(Outcome.Source.values, 1)}
    out = []
    for o in (
        Outcome.objects.filter(municipality=export.municipality)
        .select_related("citizen")
        .order_by("citizen_id", "date", "pk")
    ):
        row = list(identity(o.citizen, export))
        if not export.pseudonymised:
            row.append(o.pk)
        row += [kinds[o.kind], shift(export, o.citizen, o.date), sources[o.source]]
        out.append(tuple(row))
    return out


EXPECTED = {
    "wide": expected_wide,
    "long": expected_long,
    "interventions": expected_interventions,
    "outcomes": expected_outcomes,
}


def rounded(rows):
    """Floats to 12 significant digits: Excel keeps 15, openpyxl writes fewer than
    Python's shortest round-trip form."""
    return [
        tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)
        for row in rows
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_layout_reads_back_as_the_database(data, municipal_admin, world, fmt):
    for layout in EXPECTED:
        export = run_export(
            municipal_admin,
            world.municipality.pk,
            layout=layout,
            format=fmt,
            pseudonymised=False,
            purpose="administration",
            purpose_note="Afstemning med fagsystemet",
        )
        header, rows, book = read_back(export)
        assert rounded(rows) == rounded(EXPECTED[layout](export)), layout
        assert len(rows) == export.rows > 0
        # the codebook lists exactly the file's columns, in order
        assert [r[0] for r in book[1:]] == header
        assert data["stranger"].name not in str(rows)


@pytest.mark.parametrize("semicolon", [True, False])
def test_csv_in_both_dialects(data, analyst, world, semicolon):
    export = run_export(
        analyst,
        world.municipality.pk,
        layout="wide",
        format="csv",
        csv_semicolon=semicolon,
        csv_bom=semicolon,
    )
    files = members(export)
    data_file = next(v for k, v in files.items() if not k.endswith("codebook.csv"))
    assert data_file.startswith(b"\xef\xbb\xbf") == semicolon
    _header, rows, _book = read_back(export)
    assert rows == expected_wide(export)
    text = data_file.decode("utf-8-sig")
    p12 = next(r for r in rows if r[-2] is not None)[-2]
    # Danish Excel: semicolons and a decimal comma; otherwise commas and a point
    assert (str(p12).replace(".", ",") in text) == semicolon
    assert (str(p12) in text) == (not semicolon)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_statistics_files_carry_variable_and_value_labels(
    data, municipal_admin, world, fmt
):
    export = run_export(
        municipal_admin, world.municipality.pk, layout="wide", format=fmt
    )
    meta = stats_meta(export)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    wanted = {c.name: c for c in layouts.layout_for(export).columns}
    assert labels["p12"] == str(wanted["p12"].label)
    assert labels["cw_contact"] == str(wanted["cw_contact"].label)
    assert all(len(name) <= 32 for name in meta.column_names)
    value_labels = {
        name: {int(k): v for k, v in labels.items()}
        for name, labels in meta.variable_value_labels.items()
    }
    assert value_labels["progression"] == layouts.CLASS_LABELS
    model = active_model(municipality_id=world.municipality.pk)
    assert set(value_labels["model_version"]) == {model.pk}
    assert world.unit.name in value_labels["unit"].values()


def test_codebook_names_instrument_and_model_versions(data, analyst, world):
    export = run_export(analyst, world.municipality.pk, layout="wide", format="xlsx")
    _header, _rows, book = read_back(export)
    by_name = {r[0]: r for r in book[1:]}
    model = active_model(municipality_id=world.municipality.pk)
    version = Round.objects.first().instrument_version
    assert (
        f"{version.pk} = {version.name} v{version.number}"
        in by_name["instrument_version"][3]
    )
    assert f"{model.pk} = " in by_name["model_version"][3]
    assert by_name["cit_self_efficacy"][2] == "float"


def all_text(export) -> bytes:
    return b"".join(members(export).values())


def secrets_of(citizen) -> list[bytes]:
    cpr = citizen.cpr_clear()
    return [
        cpr.encode(),
        cpr.replace("-", "").encode(),
        citizen.name.encode(),
        citizen.name.split()[-1].encode(),
        str(citizen.key).encode(),
    ]


@pytest.mark.parametrize("fmt", ["csv", "sav", "dta"])
def test_pseudonymised_files_hold_no_cpr_name_or_free_text(data, analyst, world, fmt):
    for layout in EXPECTED:
        export = run_export(
            analyst, world.municipality.pk, layout=layout, format=fmt, date_shift=True
        )
        content = all_text(export)  # the zip's members, uncompressed
        for citizen in (data["anna"], data["bo"]):
            for secret in secrets_of(citizen):
                assert secret not in content, (layout, fmt, secret)
        for free_text in (b"Hemmelig", b"fritekst"):
            assert free_text not in content
        _h, rows, _b = read_back(export)
        assert rows == EXPECTED[layout](export)


def test_xlsx_pseudonymised_holds_no_cpr_either(data, analyst, world):
    export = run_export(analyst, world.municipality.pk, layout="wide", format="xlsx")
    _h, rows, _b = read_back(export)
    cells = {str(v) for row in rows for v in row}
    for citizen in (data["anna"], data["bo"]):
        assert not {s.decode() for s in secrets_of(citizen)} & cells


def test_pseudonyms_are_stable_and_keyed(data, analyst, world):
    first = run_export(analyst, world.municipality.pk, layout="wide", format="csv")
    second = run_export(analyst, world.municipality.pk, layout="outcomes", format="csv")
    pid_first = {r[0] for r in read_back(first)[1]}
    assert pseudonym(data["bo"].key) in pid_first
    assert pseudonym(data["bo"].key) in {r[0] for r in read_back(second)[1]}
    assert len(pid_first) == 2
    with override_settings(BIP_PSEUDONYM_KEY="another-key"):
        third = run_export(analyst, world.municipality.pk, layout="wide", format="csv")
        pid_third = {r[0] for r in read_back(third)[1]}
    assert pid_third.isdisjoint(pid_first)
    assert len(pid_third) == 2


def test_date_shift_is_one_shift_per_citizen(data, analyst, world):
    plain = run_export(analyst, world.municipality.pk, layout="wide", format="csv")
    moved = run_export(
        analyst, world.municipality.pk, layout="wide", format="csv", date_shift=True
    )
    a, b = read_back(plain)[1], read_back(moved)[1]
    shifts = defaultdict(set)
    for x, y in zip(a, b, strict=True):
        assert x[0] == y[0]
        shifts[x[0]].add((y[2] - x[2]).days)
    assert all(len(s) == 1 for s in shifts.values())
    assert all(-30 <= next(iter(s)) <= 30 for s in shifts.values())


def test_formula_text_is_neutralised(data, municipal_admin, world):
    export = run_export(
        municipal_admin,
        world.municipality.pk,
        layout="outcomes",
        format="csv",
        pseudonymised=False,
        purpose="administration",
        purpose_note="kontrol",
    )
    _h, rows, _b = read_back(export)
    assert rows[0][2] == "'=Bo Formel"


def test_filters_by_period_unit_and_target_group(data, analyst, world):
    export = run_export(
        analyst,
        world.municipality.pk,
        layout="wide",
        format="csv",
        period_from=date(2025, 1, 1),
        period_to=date(2025, 2, 28),
    )
    rows = read_back(export)[1]
    in_period = Round.objects.filter(round_date__lte=date(2025, 2, 28))
    assert sorted(r[2] for r in rows) == sorted(
        in_period.values_list("round_date", flat=True)
    )
    assert len(rows) == 2
    other_unit = world.municipality.units.create(name="Jobcenter Syd")
    nothing = run_export(
        analyst,
        world.municipality.pk,
        layout="wide",
        format="csv",
        unit_ids=[other_unit.pk],
    )
    assert nothing.rows == 0
    assert read_back(nothing)[1] == []


@override_settings(BIP_EXPORT_STATS_MAX_ROWS=3)
def test_statistics_formats_refuse_more_rows_than_the_limit(data, analyst, world):
    from django.db import transaction

    from reports.exports.services import export_request

    with transaction.atomic():
        export = export_request(
            by=analyst,
            municipality_id=world.municipality.pk,
            layout="wide",
            format="sav",
        )
    job_run(job_id=export.job_id)
    export.refresh_from_db()
    assert export.job.state == "failed"
    assert "More than 3 rows" in export.job.error
    assert export.file_name == ""


def test_expired_files_are_deleted_and_marked(data, analyst, world):
    from django.core.files.storage import storages

    export = run_export(analyst, world.municipality.pk, layout="outcomes", format="csv")
    assert storages["default"].exists(export.file_name)
    assert exports_expire(now=export.expires_at - timedelta(seconds=1)) == 0
    assert exports_expire(now=export.expires_at + timedelta(seconds=1)) == 1
    export.refresh_from_db()
    assert export.expired_at is not None
    assert not export.downloadable
    assert not storages["default"].exists(export.file_name)


def test_an_admins_identified_export_holds_every_citizen_with_rounds(
    data, municipal_admin, world
):
    """Every citizen of the municipality is in an admin's identified export."""
    export = run_export(
        municipal_admin,
        world.municipality.pk,
        layout="wide",
        format="csv",
        pseudonymised=False,
        purpose="casework",
        purpose_note="x",
    )
    ids = {r[0] for r in read_back(export)[1]}
    assert ids == set(
        Citizen.objects.filter(
            municipality=world.municipality, enrolments__rounds__isnull=False
        ).values_list("pk", flat=True)
    )

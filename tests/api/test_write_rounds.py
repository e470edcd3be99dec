"""Rounds answered in another tool (SPEC section 6): through the page's services,
idempotent by the citizen's enrolment and the date, other answers a 409 naming the
questions, nothing written on a refusal, never another municipality's citizen."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from bip.accounts.services import integration_create, token_issue
from measurements.models import Answer, Respondent, Round
from measurements.services import instrument_current, questions, round_start
from tests.factories import CitizenFactory, TeamFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def secret_for(world, admin, *, writes=True, municipality=None):
    account = integration_create(
        municipality_id=(municipality or world.municipality).pk,
        name=f"Spoergeskema {'rw' if writes else 'r'}",
        writes=writes,
        unit=None,
        by=admin,
    )
    return token_issue(account=account, valid_days=30, by=admin)[1]


def post(client, body, secret):
    return client.post(
        "/api/v1/rounds/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def part(municipality, respondent, value=3):
    version = instrument_current(municipality_id=municipality.pk)
    return {q.code: value for q in questions(version, respondent)}


def rows():
    return (Round.objects.count(), Answer.objects.count())


@pytest.fixture
def body(world, citizen):
    return {
        "citizen": citizen.pk,
        "round_date": "2025-03-03",
        "caseworker": part(world.municipality, Respondent.CASEWORKER, 4),
        "citizen_answers": part(world.municipality, Respondent.CITIZEN, 2),
    }


def test_a_round_once(client, world, municipal_admin, citizen, body):
    secret = secret_for(world, municipal_admin)
    first = post(client, body, secret)
    assert first.status_code == HTTPStatus.CREATED, first.content
    created = first.json()
    assert created["state"] == "complete"
    assert created["round_date"] == "2025-03-03"
    by_respondent = {r["respondent"]: r for r in created["responses"]}
    assert {a["value"] for a in by_respondent["caseworker"]["answers"]} == {4}
    assert by_respondent["citizen"]["channel"] == "import"
    before = rows()
    again = post(client, body, secret)
    assert again.status_code == HTTPStatus.OK
    assert again.json()["id"] == created["id"]
    assert rows() == before


def test_other_answers_for_the_date_are_409_naming_the_questions(
    client, world, municipal_admin, body
):
    secret = secret_for(world, municipal_admin)
    assert post(client, body, secret).status_code == HTTPStatus.CREATED
    before = rows()
    code = sorted(body["caseworker"])[0]
    changed = {**body, "caseworker": {**body["caseworker"], code: "dont_know"}}
    r = post(client, changed, secret)
    assert r.status_code == HTTPStatus.CONFLICT
    assert r.json()["answers"] == [code]
    assert rows() == before


def test_a_round_in_progress_is_refused(
    client, world, municipal_admin, caseworker, citizen, body
):
    round_start(citizen=citizen, by=caseworker)
    secret = secret_for(world, municipal_admin)
    before = rows()
    r = post(client, body, secret)
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert "round_date" in r.json()
    assert rows() == before


def test_read_only_403_and_another_municipality_404(
    client, world, municipal_admin, other_municipality_admin, body
):
    before = rows()
    reader = secret_for(world, municipal_admin, writes=False)
    assert post(client, body, reader).status_code == HTTPStatus.FORBIDDEN
    foreign = secret_for(
        world, other_municipality_admin, municipality=world.other_municipality
    )
    assert post(client, body, foreign).status_code == HTTPStatus.NOT_FOUND
    assert rows() == before
    other = CitizenFactory(
        team=TeamFactory(unit__municipality=world.other_municipality)
    )
    mine = secret_for(world, municipal_admin)
    r = post(client, {**body, "citizen": other.pk}, mine)
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert rows() == before


@pytest.mark.parametrize("problem", ["unknown", "missing", "zero", "reason", "date"])
def test_bad_answers_are_400_naming_the_field(
    client, world, municipal_admin, body, problem
):
    code = sorted(body["caseworker"])[0]
    cw = dict(body["caseworker"])
    field = "caseworker"
    if problem == "unknown":
        cw["no_such_question"] = 3
    elif problem == "missing":
        del cw[code]
    elif problem == "zero":
        cw[code] = 0
    elif problem == "reason":
        cw[code] = "because"
    changed = {**body, "caseworker": cw}
    if problem == "date":
        changed["round_date"] = "2999-01-01"
        field = "round_date"
    before = rows()
    r = post(client, changed, secret_for(world, municipal_admin))
    assert r.status_code == HTTPStatus.BAD_REQUEST, r.content
    assert field in r.json()
    assert rows() == before


def test_a_case_worker_records_rounds_for_their_own_caseload_only(
    client, world, caseworker, teammate, citizen, body
):
    """As on the page: not for a teammate's citizen they may read."""
    teammates = CitizenFactory(team=world.team, caseworker=teammate)
    client.force_login(caseworker)
    before = rows()
    r = client.post(
        "/api/v1/rounds/",
        {**body, "citizen": teammates.pk},
        content_type="application/json",
    )
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert rows() == before
    own = client.post("/api/v1/rounds/", body, content_type="application/json")
    assert own.status_code == HTTPStatus.CREATED, own.content

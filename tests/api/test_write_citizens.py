"""Citizens with an enrolment from a case-management system (SPEC section 6): the
page's form and service, idempotent by CPR number (the same citizen again is 200 and
writes nothing; other details 409 naming the fields), nothing written on a refusal,
never a team of another municipality."""

from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from bip.accounts.services import integration_create, token_issue
from citizens.models import Assignment, Citizen, Enrolment
from tests.factories import CitizenFactory, TeamFactory, UnitFactory, make_cpr_digits

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def secret_for(world, admin, *, writes=True, unit=None):
    account = integration_create(
        municipality_id=world.municipality.pk,
        name="Fagsystem",
        writes=writes,
        unit=unit,
        by=admin,
    )
    return token_issue(account=account, valid_days=30, by=admin)[1]


def post(client, body, secret):
    return client.post(
        "/api/v1/citizens/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def rows():
    return (
        Citizen.objects.count(),
        Enrolment.objects.count(),
        Assignment.objects.count(),
    )


@pytest.fixture
def body(world, caseworker):
    return {
        "cpr": make_cpr_digits(date(1990, 5, 17)),
        "name": "Bodil  Hansen",
        "team": world.team.pk,
        "caseworker": caseworker.pk,
        "target_group": "kontant_aktivitetsparat",
        "enrolment_start": "2025-03-03",
    }


def test_a_citizen_with_an_enrolment_once(client, world, municipal_admin, body):
    secret = secret_for(world, municipal_admin)
    first = post(client, body, secret)
    assert first.status_code == HTTPStatus.CREATED, first.content
    created = first.json()
    assert created["citizen"]["name"] == "Bodil Hansen"
    assert created["enrolment"]["start"] == "2025-03-03"
    citizen = Citizen.objects.get(pk=created["citizen"]["id"])
    assert citizen.team_id == world.team.pk
    assert citizen.enrolments.get().assignments.count() == 1
    before = rows()
    again = post(client, body, secret)
    assert again.status_code == HTTPStatus.OK, again.content
    assert again.json()["citizen"]["id"] == citizen.pk
    assert rows() == before


def test_other_details_for_a_known_cpr_are_409_naming_them(
    client, world, municipal_admin, body, teammate
):
    secret = secret_for(world, municipal_admin)
    assert post(client, body, secret).status_code == HTTPStatus.CREATED
    before = rows()
    r = post(
        client,
        {**body, "name": "Bodil Jensen", "caseworker": teammate.pk},
        secret,
    )
    assert r.status_code == HTTPStatus.CONFLICT
    assert {"name", "caseworker"} <= set(r.json())
    assert "team" not in r.json()
    assert rows() == before
    assert Citizen.objects.get(pk=r.json()["existing"]).name == "Bodil Hansen"


def test_a_known_cpr_outside_the_scope_is_409_without_its_details(
    client, world, municipal_admin, body
):
    elsewhere = TeamFactory(unit=UnitFactory(municipality=world.municipality))
    known = CitizenFactory(team=elsewhere, name="Ukendt Person")
    secret = secret_for(world, municipal_admin, unit=world.unit)
    before = rows()
    r = post(client, {**body, "cpr": known.cpr_clear()}, secret)
    assert r.status_code == HTTPStatus.CONFLICT
    assert "cpr" in r.json()
    assert r.json()["existing"] is None
    assert known.name not in r.content.decode()
    assert rows() == before


def test_a_read_only_token_is_403(client, world, municipal_admin, body):
    secret = secret_for(world, municipal_admin, writes=False)
    before = rows()
    assert post(client, body, secret).status_code == HTTPStatus.FORBIDDEN
    assert rows() == before


def test_another_municipalitys_team_is_refused(client, world, municipal_admin, body):
    foreign_team = TeamFactory(unit__municipality=world.other_municipality)
    secret = secret_for(world, municipal_admin)
    before = rows()
    r = post(client, {**body, "team": foreign_team.pk}, secret)
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert "team" in r.json()
    assert rows() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cpr": "3102901234"}, "cpr"),
        ({"cpr": "12"}, "cpr"),
        ({"target_group": "nope"}, "target_group"),
        ({"enrolment_start": "tomorrow"}, "enrolment_start"),
        ({"name": ""}, "name"),
        ({"team": "x"}, "team"),
        ({"caseworker": 2**63}, "caseworker"),
        ({"email": "not-an-address"}, "email"),
        ({"preferred_language": "xx"}, "preferred_language"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    client, world, municipal_admin, body, change, field
):
    secret = secret_for(world, municipal_admin)
    before = rows()
    r = post(client, {**body, **change}, secret)
    assert r.status_code == HTTPStatus.BAD_REQUEST, r.content
    assert field in r.json()
    assert rows() == before


def test_an_enrolment_date_in_the_future_is_refused_as_on_the_page(
    client, world, municipal_admin, body
):
    secret = secret_for(world, municipal_admin)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = post(client, {**body, "enrolment_start": tomorrow}, secret)
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert "enrolment_start" in r.json()


def test_an_analyst_may_not_create(client, analyst, body):
    client.force_login(analyst)
    before = rows()
    r = client.post("/api/v1/citizens/", body, content_type="application/json")
    assert r.status_code == HTTPStatus.FORBIDDEN
    assert rows() == before

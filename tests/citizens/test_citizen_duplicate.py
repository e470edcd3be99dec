"""A CPR typed into the new-citizen form that already belongs to a citizen of the
municipality: the lookup is logged (criterion masked); a citizen in the user's scope
is offered to open, otherwise the user learns only whom to contact. Nothing is said
about other municipalities."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from bip.audit.models import AuditEvent, AuditEventCitizen
from citizens import cpr
from citizens.models import Citizen
from tests.citizens.test_citizen_views import create_payload
from tests.factories import CitizenFactory, TeamFactory

pytestmark = pytest.mark.django_db
DIGITS = "0707614285"


def matches(user):
    return AuditEvent.objects.filter(actor_id=user.pk, action="citizen.cpr_match")


def assert_logged_masked(user, citizen):
    event = matches(user).get()
    assert event.criterion_masked == "cpr=070761-XXXX"
    assert (event.object_type, event.object_id) == ("citizen", str(citizen.pk))
    assert event.municipality_id == citizen.municipality_id
    linked = AuditEventCitizen.objects.filter(event_id=event.pk)
    assert list(linked.values_list("citizen_id", flat=True)) == [citizen.pk]
    # the clear number is nowhere in the log
    for row in AuditEvent.objects.values_list(
        "actor_label", "object_id", "criterion_masked"
    ):
        assert not any(DIGITS in v or "070761-4285" in v for v in row)


def test_citizen_in_scope_is_offered_to_open(client, caseworker, teammate, world):
    existing = CitizenFactory(
        team=world.team, caseworker=teammate, cpr=DIGITS, name="Ib Holm"
    )
    client.force_login(caseworker)
    r = client.post("/citizens/new/", create_payload(world, caseworker))
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "allerede en borger" in body
    assert f'href="{reverse("citizens:detail", args=[existing.pk])}"' in body
    assert "Åbn Ib Holm" in body
    assert Citizen.objects.count() == 1
    assert_logged_masked(caseworker, existing)


def test_citizen_outside_scope_names_the_team_to_contact_not_the_citizen(
    client, caseworker, other_team_caseworker, world
):
    from tests.conftest import _member

    _member("leder_b", "team_leader", team=world.other_team, first_name="Lene")
    existing = CitizenFactory(
        team=world.other_team,
        caseworker=other_team_caseworker,
        cpr=DIGITS,
        name="Ib Holm",
    )
    client.force_login(caseworker)
    r = client.post("/citizens/new/", create_payload(world, caseworker))
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "allerede en borger" in body
    assert "Jobcenter Nord · Team B" in body
    assert "Lene" in body
    assert "Ib Holm" not in body
    assert reverse("citizens:detail", args=[existing.pk]) not in body
    assert Citizen.objects.count() == 1
    assert_logged_masked(caseworker, existing)


def test_correcting_a_cpr_onto_another_citizen_is_refused_and_logged(
    client, caseworker, citizen, other_citizen
):
    other_citizen.set_cpr(cpr.parse(DIGITS))
    other_citizen.save()
    client.force_login(caseworker)
    r = client.post(
        reverse("citizens:edit", args=[citizen.pk]),
        {"cpr_number": DIGITS, "name": citizen.name, "preferred_language": "da"},
    )
    assert r.status_code == HTTPStatus.OK
    assert "allerede en borger" in r.content.decode()
    citizen.refresh_from_db()
    assert citizen.cpr_clear().replace("-", "") != DIGITS
    assert_logged_masked(caseworker, other_citizen)


def test_a_citizen_of_another_municipality_is_neither_found_nor_logged(
    client, caseworker, world
):
    CitizenFactory(
        team=TeamFactory(unit__municipality=world.other_municipality), cpr=DIGITS
    )
    client.force_login(caseworker)
    r = client.post("/citizens/new/", create_payload(world, caseworker))
    assert r.status_code == HTTPStatus.FOUND
    assert not matches(caseworker).exists()

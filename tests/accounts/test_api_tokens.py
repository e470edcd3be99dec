"""Integration tokens against /api/v1/ (DESIGN section 2): within the integration's
scope only, 401 when expired, revoked or unknown, never another municipality's data,
every use audited under the token's own identity and its issuer."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from bip.accounts.models import ApiToken, IntegrationAccount, Role
from bip.accounts.scoping import citizen_q, scope_for
from bip.accounts.services import integration_create, token_issue, token_revoke
from bip.audit.models import AuditEvent, AuditEventCitizen
from citizens.models import Citizen
from tests.factories import CitizenFactory, TeamFactory

pytestmark = pytest.mark.django_db


def make(world, admin, *, writes=False, unit=None, municipality=None, name="Fag"):
    account = integration_create(
        municipality_id=(municipality or world.municipality).pk,
        name=name,
        writes=writes,
        unit=unit,
        by=admin,
    )
    token, secret = token_issue(account=account, valid_days=30, by=admin)
    return account, token, secret


def get(client, url, secret):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def listed(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_municipality_wide_token_reads_its_municipality_only(
    client, world, municipal_admin, citizen, other_citizen
):
    foreign = CitizenFactory(
        team=TeamFactory(unit__municipality=world.other_municipality)
    )
    _, _, secret = make(world, municipal_admin)
    r = get(client, "/api/v1/citizens/", secret)
    assert r.status_code == HTTPStatus.OK
    assert listed(r) == {citizen.pk, other_citizen.pk}
    assert get(client, f"/api/v1/citizens/{citizen.pk}/", secret).json()["name"] == (
        citizen.name
    )
    r = get(client, f"/api/v1/citizens/{foreign.pk}/", secret)
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert foreign.name not in r.content.decode()


def test_unit_token_reads_that_units_citizens_only(
    client, world, municipal_admin, citizen
):
    from tests.factories import UnitFactory

    other_unit_team = TeamFactory(unit=UnitFactory(municipality=world.municipality))
    elsewhere = CitizenFactory(team=other_unit_team)
    _, _, secret = make(world, municipal_admin, unit=world.unit)
    assert listed(get(client, "/api/v1/citizens/", secret)) == {citizen.pk}
    r = get(client, f"/api/v1/citizens/{elsewhere.pk}/", secret)
    assert r.status_code == HTTPStatus.NOT_FOUND


def test_token_of_another_municipality_never_reads_this_one(
    client, world, other_municipality_admin, citizen
):
    account, token, secret = make(
        world, other_municipality_admin, municipality=world.other_municipality
    )
    assert listed(get(client, "/api/v1/citizens/", secret)) == set()
    r = get(client, f"/api/v1/citizens/{citizen.pk}/", secret)
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert citizen.name not in r.content.decode()
    denial = AuditEvent.objects.get(actor_id=account.user_id, action="access.denied")
    assert (denial.object_type, denial.object_id) == ("citizen", str(citizen.pk))
    assert token.token_key in denial.actor_label
    assert denial.municipality_id == world.other_municipality.pk


def test_every_use_is_audited_under_the_tokens_identity_and_issuer(
    client, world, municipal_admin, citizen
):
    account, token, secret = make(world, municipal_admin, name="KMD Nexus")
    get(client, "/api/v1/citizens/", secret)
    get(client, f"/api/v1/citizens/{citizen.pk}/", secret)
    events = AuditEvent.objects.filter(actor_id=account.user_id).order_by("pk")
    assert [e.action for e in events] == [
        "apitoken.use",
        "citizen.list",
        "apitoken.use",
        "citizen.view",
    ]
    for e in events:
        assert "KMD Nexus" in e.actor_label
        assert token.token_key in e.actor_label
        assert municipal_admin.username in e.actor_label
        assert e.municipality_id == world.municipality.pk
    use = events[0]
    assert (use.object_type, use.object_id) == ("apitoken", str(token.pk))
    assert use.criterion_masked == "GET /api/v1/citizens/"
    view = events[3]
    assert list(
        AuditEventCitizen.objects.filter(event_id=view.pk).values_list(
            "citizen_id", flat=True
        )
    ) == [citizen.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_expired_revoked_and_unknown_tokens_get_401(
    client, world, municipal_admin, citizen
):
    account, token, secret = make(world, municipal_admin)
    with time_machine.travel(token.expiry + timedelta(seconds=1)):
        r = get(client, "/api/v1/citizens/", secret)
    assert r.status_code == HTTPStatus.UNAUTHORIZED
    assert citizen.name not in r.content.decode()
    assert ApiToken.objects.filter(pk=token.pk).exists()  # kept, for the record

    token_revoke(token=token, by=municipal_admin)
    assert get(client, "/api/v1/citizens/", secret).status_code == 401
    denials = AuditEvent.objects.filter(
        actor_id=account.user_id, action="access.denied", object_type="apitoken"
    )
    assert denials.count() == 2

    wrong = secret[:15] + ("0" if secret[15] != "0" else "1") + secret[16:]
    assert get(client, "/api/v1/citizens/", wrong).status_code == 401
    assert get(client, "/api/v1/citizens/", "bip_nonsense").status_code == 401
    r = client.get("/api/v1/citizens/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert r.status_code == 401  # DRF's old scheme is gone
    assert r["WWW-Authenticate"] == "Bearer"


def test_a_token_acts_for_no_person(client, world, municipal_admin, caseworker):
    """A token made for a person (never by the product) is refused, and the product
    refuses to issue one."""
    _token, secret = ApiToken.objects.create(
        user=caseworker,
        expiry=timedelta(days=1),
        account=make(world, municipal_admin)[0],
        municipality=world.municipality,
        created_by=municipal_admin,
    )
    assert get(client, "/api/v1/citizens/", secret).status_code == 401
    fake = IntegrationAccount(
        municipality=world.municipality,
        user=caseworker,
        name="x",
        created_by=caseworker,
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        token_issue(account=fake, valid_days=30, by=municipal_admin)


def test_read_only_token_may_not_write_read_write_token_may(
    client, world, municipal_admin
):
    _, _, reader = make(world, municipal_admin, name="reader")
    _, _, writer = make(world, municipal_admin, name="writer", writes=True)
    r = client.post("/api/v1/citizens/", {}, HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert r.status_code == HTTPStatus.FORBIDDEN
    r = client.post("/api/v1/citizens/", {}, HTTP_AUTHORIZATION=f"Bearer {writer}")
    # allowed to write: an empty body is then refused by field
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert "cpr" in r.json()
    assert Citizen.objects.count() == 0


def test_integration_scope_comes_from_its_membership(world, municipal_admin, citizen):
    reader, _, _ = make(world, municipal_admin, name="reader")
    writer, _, _ = make(world, municipal_admin, name="writer", writes=True)
    scope = scope_for(reader.user)
    assert scope.is_integration
    assert scope.roles == {Role.INTEGRATION_READ}
    assert not scope.is_municipal_admin
    assert not scope.is_system_admin
    qs = Citizen.objects.all
    assert set(qs().filter(citizen_q(scope, "read"))) == {citizen}
    assert set(qs().filter(citizen_q(scope, "write"))) == set()
    assert set(qs().filter(citizen_q(scope_for(writer.user), "write"))) == {citizen}


def test_integration_never_signs_in(client, world, municipal_admin):
    account, _, _ = make(world, municipal_admin)
    user = account.user
    user.set_password("a-password-someone-set")
    user.save()
    login = RequestFactory().post("/login/")
    assert (
        authenticate(login, username=user.username, password="a-password-someone-set")
        is None
    )
    client.force_login(user)  # a session got somehow: logged out on the next request
    r = client.get("/citizens/")
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"].startswith("/login/")


def test_no_store_on_token_answers(client, world, municipal_admin):
    _, _, secret = make(world, municipal_admin)
    assert "no-store" in get(client, "/api/v1/citizens/", secret)["Cache-Control"]
    assert "no-store" in get(client, "/api/v1/citizens/", "bip_x")["Cache-Control"]


def test_token_expiry_is_set_when_issued(world, municipal_admin):
    _, token, _ = make(world, municipal_admin)
    assert token.expiry - timezone.now() <= timedelta(days=30)

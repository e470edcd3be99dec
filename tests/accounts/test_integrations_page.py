"""The municipal admin's Integrations page (DESIGN section 2): accounts, tokens shown
once and stored hashed, revocation and deactivation, each audited; other roles 403,
another municipality's objects 404, nothing written by a refused request."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from bip.accounts.models import (
    ApiToken,
    IntegrationAccount,
    Membership,
    Role,
    User,
)
from bip.accounts.scoping import scope_for
from bip.accounts.services import integration_create, token_issue
from bip.audit.models import AuditEvent
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
LIST = "/integrations/"


@pytest.fixture
def integration(world, municipal_admin):
    return integration_create(
        municipality_id=world.municipality.pk,
        name="Fagsystem",
        writes=False,
        unit=None,
        by=municipal_admin,
    )


def text_columns_holding(value: str) -> list[str]:
    """Every text, varchar and jsonb column of every table that holds `value`."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'jsonb')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                # names from the catalogue, not from input
                f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1',  # noqa: S608
                [f"%{value}%"],
            )
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


def test_admin_creates_an_integration_that_cannot_sign_in(
    client, municipal_admin, world
):
    client.force_login(municipal_admin)
    r = client.post(
        LIST, {"name": " Fag  system ", "access": "read", "unit": world.unit.pk}
    )
    assert r.status_code == HTTPStatus.FOUND
    account = IntegrationAccount.objects.get()
    assert (account.name, account.municipality, account.created_by) == (
        "Fag system",
        world.municipality,
        municipal_admin,
    )
    user = account.user
    assert user.is_integration
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.unit, membership.team) == (
        Role.INTEGRATION_READ,
        world.unit,
        None,
    )
    event = AuditEvent.objects.using("default").get(action="integration.create")
    assert (event.actor_id, event.object_id) == (municipal_admin.pk, str(account.pk))
    page = client.get(LIST)
    assert "Fag system" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "access": "read"}, "name"),
        ({"name": "X", "access": "admin"}, "access"),
        ({"name": "Fagsystem", "access": "read"}, "name"),  # the name is taken
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(
    client, municipal_admin, integration, data, field
):
    client.force_login(municipal_admin)
    r = client.post(LIST, data)
    assert r.status_code == HTTPStatus.OK
    assert field in r.context["form"].errors
    assert IntegrationAccount.objects.count() == 1
    assert User.objects.filter(is_integration=True).count() == 1


def test_a_unit_of_another_municipality_is_refused(client, municipal_admin, world):
    foreign = UnitFactory(municipality=world.other_municipality)
    client.force_login(municipal_admin)
    r = client.post(LIST, {"name": "X", "access": "read", "unit": foreign.pk})
    assert r.status_code == HTTPStatus.OK
    assert "unit" in r.context["form"].errors
    assert not IntegrationAccount.objects.exists()


def test_a_research_integration_is_municipality_wide_and_never_person_level(
    client, municipal_admin, world
):
    client.force_login(municipal_admin)
    limited = client.post(
        LIST, {"name": "Forskning", "access": "research", "unit": world.unit.pk}
    )
    assert limited.status_code == HTTPStatus.OK
    assert "unit" in limited.context["form"].errors
    assert not IntegrationAccount.objects.exists()
    r = client.post(LIST, {"name": "Forskning", "access": "research"})
    assert r.status_code == HTTPStatus.FOUND
    membership = Membership.objects.get(user__is_integration=True)
    assert (membership.role, membership.unit) == (Role.INTEGRATION_RESEARCH, None)
    scope = scope_for(membership.user)
    assert scope.is_analyst
    assert not scope.sees_people
    assert not scope.is_integration


def test_token_is_shown_once_and_stored_only_hashed(
    client, municipal_admin, integration
):
    client.force_login(municipal_admin)
    r = client.post(
        reverse("integrations:token_create", args=[integration.pk]),
        {"valid_days": "90"},
    )
    assert r.status_code == HTTPStatus.OK
    secret = r.context["secret"]
    assert secret.startswith("bip_")
    assert len(secret) == 4 + 64
    assert secret in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.user, token.account, token.created_by) == (
        integration.user,
        integration,
        municipal_admin,
    )
    assert 89 <= (token.expiry - token.created).days <= 90
    assert text_columns_holding(secret) == []
    assert text_columns_holding(secret[15:40]) == []  # no part beyond the lookup key
    assert secret not in client.get(LIST).content.decode()
    event = AuditEvent.objects.using("default").get(action="apitoken.create")
    assert (event.actor_id, event.object_type, event.object_id) == (
        municipal_admin.pk,
        "apitoken",
        str(token.pk),
    )
    assert "Fagsystem" in event.criterion_masked
    assert token.token_key in event.criterion_masked


def test_an_unknown_validity_issues_nothing(client, municipal_admin, integration):
    client.force_login(municipal_admin)
    r = client.post(
        reverse("integrations:token_create", args=[integration.pk]),
        {"valid_days": "3650"},
    )
    assert r.status_code == HTTPStatus.FOUND
    assert not ApiToken.objects.exists()


def test_revoke_and_deactivate_are_audited(client, municipal_admin, integration):
    first, _ = token_issue(account=integration, valid_days=30, by=municipal_admin)
    second, _ = token_issue(account=integration, valid_days=30, by=municipal_admin)
    client.force_login(municipal_admin)
    r = client.post(reverse("integrations:token_revoke", args=[first.pk]))
    assert r.status_code == HTTPStatus.FOUND
    first.refresh_from_db()
    assert (first.revoked_by, first.revoked_at is not None) == (municipal_admin, True)
    r = client.post(reverse("integrations:deactivate", args=[integration.pk]))
    assert r.status_code == HTTPStatus.FOUND
    second.refresh_from_db()
    integration.refresh_from_db()
    integration.user.refresh_from_db()
    assert second.revoked_at is not None
    assert integration.deactivated_at is not None
    assert not integration.user.is_active
    revokes = AuditEvent.objects.using("default").filter(action="apitoken.revoke")
    assert sorted(revokes.values_list("object_id", flat=True)) == sorted(
        [str(first.pk), str(second.pk)]
    )
    assert set(revokes.values_list("actor_id", flat=True)) == {municipal_admin.pk}
    r = client.post(
        reverse("integrations:token_create", args=[integration.pk]),
        {"valid_days": "30"},
    )
    assert ApiToken.objects.count() == 2  # no token for a deactivated integration


def test_anonymous_is_sent_to_login(client, integration):
    for url in (LIST, reverse("integrations:token_create", args=[integration.pk])):
        r = client.post(url, {"valid_days": "30"})
        assert r.status_code == HTTPStatus.FOUND
        assert r["Location"].startswith("/login/")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("who", ["caseworker", "team_leader", "analyst"])
def test_other_roles_get_403_and_write_nothing(client, request, integration, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == HTTPStatus.FORBIDDEN
    r = client.post(
        reverse("integrations:token_create", args=[integration.pk]),
        {"valid_days": "30"},
    )
    assert r.status_code == HTTPStatus.FORBIDDEN
    r = client.post(LIST, {"name": "Mit eget", "access": "write"})
    assert r.status_code == HTTPStatus.FORBIDDEN
    assert not ApiToken.objects.exists()
    assert IntegrationAccount.objects.count() == 1


def test_another_municipalitys_admin_gets_404_and_writes_nothing(
    client, other_municipality_admin, municipal_admin, integration
):
    token, _ = token_issue(account=integration, valid_days=30, by=municipal_admin)
    client.force_login(other_municipality_admin)
    for url in (
        reverse("integrations:token_create", args=[integration.pk]),
        reverse("integrations:deactivate", args=[integration.pk]),
        reverse("integrations:token_revoke", args=[token.pk]),
    ):
        assert client.post(url, {"valid_days": "30"}).status_code == 404
    page = client.get(LIST).content.decode()
    assert "Fagsystem" not in page
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    integration.refresh_from_db()
    assert token.revoked_at is None
    assert integration.deactivated_at is None
    denials = AuditEvent.objects.filter(
        actor_id=other_municipality_admin.pk, action="access.denied"
    )
    assert denials.count() == 3

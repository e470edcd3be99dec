"""The view guards (bip/accounts/access.py, reading bip/accounts/roles.py): which role reaches which kind of page,
and what a denial writes to the audit log, for a page (403) and for an object (404).
Written from the surviving mutants of `make mutation` (docs/testing.md)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from bip.accounts.access import require, scoped_get
from bip.accounts.roles import Can
from bip.audit.models import AuditEvent, Purpose
from citizens.models import Citizen

pytestmark = pytest.mark.django_db


def denials(user):
    return AuditEvent.objects.filter(actor_id=user.pk, action="access.denied")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("analyst", HTTPStatus.OK),
        ("municipal_admin", HTTPStatus.OK),
        ("caseworker", HTTPStatus.FORBIDDEN),
        ("team_leader", HTTPStatus.FORBIDDEN),
        ("system_admin", HTTPStatus.FORBIDDEN),
    ],
)
def test_statistics_are_for_analysts_and_admins(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/reports/statistics/").status_code == status


def test_a_refused_page_is_logged_with_its_name(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/audit/").status_code == HTTPStatus.FORBIDDEN
    event = denials(caseworker).get()
    assert (event.object_type, event.object_id) == ("page", "audit:search")
    assert event.purpose == Purpose.SECURITY


def test_a_refusal_outside_a_routed_view_names_no_page(caseworker):
    request = RequestFactory().get("/")
    request.user = caseworker
    with pytest.raises(PermissionDenied):
        require(request, Can.STATISTICS)
    assert denials(caseworker).get().object_id == ""


def test_an_object_out_of_scope_is_logged_with_its_kind_and_id(
    client, other_team_caseworker, citizen
):
    client.force_login(other_team_caseworker)
    assert client.get(f"/citizens/{citizen.pk}/").status_code == HTTPStatus.NOT_FOUND
    event = denials(other_team_caseworker).get()
    assert (event.object_type, event.object_id) == ("citizen", str(citizen.pk))
    assert event.purpose == Purpose.SECURITY


def test_a_denied_id_is_kept_to_64_characters(caseworker):
    with pytest.raises(Http404):
        scoped_get(Citizen.objects.none(), "9" * 100, viewer=caseworker)
    assert denials(caseworker).get().object_id == "9" * 64


def test_the_system_page_is_for_the_system_admin(client, system_admin, municipal_admin):
    client.force_login(system_admin)
    assert client.get("/system/").status_code == HTTPStatus.OK
    client.force_login(municipal_admin)
    assert client.get("/system/").status_code == HTTPStatus.FORBIDDEN

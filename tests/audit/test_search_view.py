from __future__ import annotations

from http import HTTPStatus

import pytest

from bip.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_finds_who_viewed_a_citizen(client, caseworker, municipal_admin, citizen):
    client.force_login(caseworker)
    assert client.get(f"/citizens/{citizen.pk}/").status_code == HTTPStatus.OK
    client.force_login(municipal_admin)
    r = client.post("/audit/", {"cpr": citizen.cpr_clear()})
    assert r.status_code == HTTPStatus.OK
    assert "citizen.view" in r.content.decode()
    assert "caseworker" in r.content.decode()


def test_filter_by_user_and_period(
    client, caseworker, teammate, municipal_admin, citizen
):
    client.force_login(teammate)
    client.get(f"/citizens/{citizen.pk}/")
    client.force_login(municipal_admin)
    r = client.post(
        "/audit/",
        {"user": caseworker.pk, "date_from": "2020-01-01", "date_to": "2099-01-01"},
    )
    assert r.status_code == HTTPStatus.OK
    assert "teammate" not in r.content.decode().split("<tbody>")[1]


def test_bad_dates_give_a_form_error(client, municipal_admin):
    client.force_login(municipal_admin)
    r = client.post("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert r.status_code == HTTPStatus.OK
    assert r.context["form"].errors["date_to"]
    assert not AuditEvent.objects.filter(action="audit.search").exists()


def test_other_municipality_events_never_show(
    client, municipal_admin, other_municipality_admin, citizen, caseworker
):
    client.force_login(caseworker)
    client.get(f"/citizens/{citizen.pk}/")
    client.force_login(other_municipality_admin)
    r = client.post("/audit/", {})
    assert "citizen.view" not in r.content.decode()


@pytest.mark.parametrize(
    "who", ["caseworker", "team_leader", "analyst", "system_admin"]
)
def test_roles_without_the_right_get_403(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/audit/").status_code == HTTPStatus.FORBIDDEN

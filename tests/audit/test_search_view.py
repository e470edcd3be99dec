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
    for viewer in (teammate, caseworker):
        client.force_login(viewer)
        client.get(f"/citizens/{citizen.pk}/")
    client.force_login(municipal_admin)
    r = client.post(
        "/audit/",
        {"user": caseworker.pk, "date_from": "2020-01-01", "date_to": "2099-01-01"},
    )
    assert r.status_code == HTTPStatus.OK
    rows = r.content.decode().split("<tbody>")[1]
    assert "citizen.view" in rows
    assert "teammate" not in rows
    assert {e.actor_id for e in r.context["events"]} == {caseworker.pk}


def test_bad_dates_give_a_form_error(client, municipal_admin):
    client.force_login(municipal_admin)
    r = client.post("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert r.status_code == HTTPStatus.OK
    assert r.context["form"].errors["date_to"]
    assert not AuditEvent.objects.filter(action="audit.search").exists()


PERIOD = {"date_from": "2020-01-01", "date_to": "2099-01-01"}


def test_other_municipality_events_never_show(
    client, municipal_admin, other_municipality_admin, citizen, caseworker, world
):
    client.force_login(caseworker)
    client.get(f"/citizens/{citizen.pk}/")
    # the same search finds the view in the owner's own municipality
    client.force_login(municipal_admin)
    own = client.post("/audit/", PERIOD)
    assert "citizen.view" in own.content.decode()
    client.force_login(other_municipality_admin)
    client.post("/audit/", PERIOD)  # leaves an event of their own to find
    r = client.post("/audit/", PERIOD)
    assert r.status_code == HTTPStatus.OK
    events = r.context["events"]
    assert events, "the search ran and found the admin's own earlier search"
    assert {e.municipality_id for e in events} == {world.other_municipality.pk}
    rows = r.content.decode().split("<tbody>")[1]
    assert "citizen.view" not in rows
    assert "caseworker" not in rows


def test_other_municipality_cannot_find_a_citizen_by_cpr(
    client, other_municipality_admin, citizen, caseworker
):
    client.force_login(caseworker)
    client.get(f"/citizens/{citizen.pk}/")
    client.force_login(other_municipality_admin)
    r = client.post("/audit/", {"cpr": citizen.cpr_clear()})
    assert r.status_code == HTTPStatus.OK
    assert r.context["citizen_unknown"]
    assert r.context["events"] == []
    search = AuditEvent.objects.get(action="audit.search")
    assert search.criterion_masked.startswith("cpr=")
    assert citizen.cpr_clear() not in search.criterion_masked


@pytest.mark.parametrize(
    "who", ["caseworker", "team_leader", "analyst", "system_admin"]
)
def test_roles_without_the_right_get_403(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/audit/").status_code == HTTPStatus.FORBIDDEN

from __future__ import annotations

from datetime import date

import pytest

from bip.accounts.models import Membership, Role

pytestmark = pytest.mark.django_db


def nav_labels(client):
    return [i["label"] for i in client.get("/citizens/").context["nav_items"]]


def test_a_team_leader_with_a_caseload_gets_both(client, team_leader, world):
    Membership.objects.create(
        user=team_leader,
        municipality=world.municipality,
        team=world.team,
        role=Role.CASEWORKER,
        valid_from=date(2020, 1, 1),
    )
    client.force_login(team_leader)
    assert nav_labels(client) == [
        "Borgere",
        "Overblik",
        "Mine tal",
        "Mine teams",
        "Progression",
    ]


def test_a_case_worker_sees_only_case_work(client, caseworker):
    client.force_login(caseworker)
    assert nav_labels(client) == ["Borgere", "Mine tal"]


def test_switching_municipality_changes_scope(client, caseworker, citizen, world):
    from tests.factories import CitizenFactory, TeamFactory

    other_team = TeamFactory(unit__municipality=world.other_municipality)
    Membership.objects.create(
        user=caseworker,
        municipality=world.other_municipality,
        team=other_team,
        role=Role.CASEWORKER,
        valid_from=date(2020, 1, 1),
    )
    foreign = CitizenFactory(team=other_team, caseworker=caseworker)
    client.force_login(caseworker)
    page = client.get("/citizens/").content.decode()
    assert citizen.name in page
    assert foreign.name not in page
    client.post("/municipality/switch/", {"municipality": world.other_municipality.pk})
    page = client.get("/citizens/").content.decode()
    assert foreign.name in page
    assert citizen.name not in page


def test_switching_to_a_foreign_municipality_is_refused(
    client, caseworker, citizen, world
):
    client.force_login(caseworker)
    client.post("/municipality/switch/", {"municipality": world.other_municipality.pk})
    assert citizen.name in client.get("/citizens/").content.decode()


def test_an_admins_pages_are_one_menu_and_the_current_page_is_marked(
    client, municipal_admin
):
    client.force_login(municipal_admin)
    items = client.get("/models/").context["nav_items"]
    assert [(i["group"], i["label"]) for i in items] == [
        ("", "Borgere"),
        ("", "Overblik"),
        ("Administration", "Enheder og teams"),
        ("Administration", "Spørgeskema"),
        ("Administration", "Indsatser"),
        ("Administration", "Import"),
        ("Administration", "Modeller"),
        ("Administration", "Adgangslog"),
        ("Administration", "Integrationer"),
        ("", "Statistik"),
        ("", "Progression"),
    ]
    assert [i["label"] for i in items if i["active"]] == ["Modeller"]
    assert [i["label"] for i in items if i["current"]] == ["Modeller"]


def test_a_page_below_a_menu_item_marks_it_without_being_it(
    client, caseworker, citizen
):
    client.force_login(caseworker)
    items = client.get(f"/citizens/{citizen.pk}/").context["nav_items"]
    assert [(i["label"], i["active"], i["current"]) for i in items] == [
        ("Borgere", True, False),
        ("Mine tal", False, False),
    ]

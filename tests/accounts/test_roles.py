"""One role table (bip/accounts/roles.py) drives the navigation, the start page and
the guards: for every role, the pages shown are exactly the table's pages that
answer 200, the others answer 403, and the start page is one of those shown."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.urls import reverse

from bip.accounts.models import Membership, Role
from bip.accounts.roles import PAGES, pages_for, start_page
from bip.accounts.scoping import scope_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROLES = ["caseworker", "team_leader", "municipal_admin", "analyst", "system_admin"]


@pytest.mark.parametrize("who", ROLES)
def test_the_links_shown_are_the_pages_that_answer(client, request, who):
    client.force_login(request.getfixturevalue(who))
    start = client.get("/")
    assert start.status_code == HTTPStatus.FOUND
    landed = client.get(start["Location"])
    assert landed.status_code == HTTPStatus.OK
    shown = {item["url"] for item in landed.context["nav_items"]}
    assert start["Location"] in shown
    answers = {}
    for page in PAGES:
        url = reverse(page.url_name)
        answers[url] = client.get(url).status_code
    assert {url for url, status in answers.items() if status == HTTPStatus.OK} == shown
    assert set(answers.values()) <= {HTTPStatus.OK, HTTPStatus.FORBIDDEN}


def test_every_role_has_a_start_page_and_every_page_a_role(request):
    reached = set()
    for who in ROLES:
        scope = scope_for(request.getfixturevalue(who))
        assert start_page(scope) is not None, who
        reached |= {p.url_name for p in pages_for(scope)}
    assert reached == {p.url_name for p in PAGES}


def test_a_user_with_two_roles_lands_on_the_first_by_the_tables_order(
    client, team_leader, world
):
    """The start page is the lowest `start` of the user's pages, not the first in
    the navigation: a team leader with a caseload lands on the dashboard."""
    Membership.objects.create(
        user=team_leader,
        municipality=world.municipality,
        team=world.team,
        role=Role.CASEWORKER,
        valid_from=date(2020, 1, 1),
    )
    client.force_login(team_leader)
    assert client.get("/")["Location"] == reverse("reports:dashboard")


def test_a_user_without_a_role_gets_a_page_saying_so(client, db):
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert response.context["nav_items"] == []
    assert "no_role.html" in [t.name for t in response.templates]

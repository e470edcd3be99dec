"""One role table (bip/accounts/roles.py) drives the navigation, the start page and
the guards: for every role, the pages shown are exactly the table's pages that
answer 200, the others answer 403, and the start page is one of those shown."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from bip.accounts.roles import PAGES, pages_for, start_page
from bip.accounts.scoping import scope_for

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

"""Each demo role logs in through the real login page and lands on its start page;
axe-core finds no serious or critical violations on the login and start pages."""

from __future__ import annotations

import pytest

from reports.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import login, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

START_PAGES = {
    "sagsbehandler1": "/citizens/",
    "teamleder1": "/reports/dashboard/",
    "admin": "/municipality/",
    "analytiker": "/reports/statistics/",
    "systemadmin": "/system/",
}


def test_login_page_is_danish_and_accessible(live_server, page):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.get_by_role("heading", name="Log ind").is_visible()
    assert serious_violations(page) == []


def test_each_role_reaches_its_start_page(live_server, page):
    load_demo(citizens_per_team=3)
    for username, path in START_PAGES.items():
        login(page, live_server, username, DEMO_PASSWORD)
        assert page.url == f"{live_server.url}{path}", username
        assert page.locator("main h1").count() == 1
        assert serious_violations(page) == [], username
        page.get_by_role("button", name="Log ud").click()
        page.wait_for_url(f"{live_server.url}/login/")
    assert page.console_errors == []

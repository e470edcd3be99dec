"""A municipal admin on a 1280 px screen: the navigation on one line with the
administration pages in one menu, the model page's blue box, the new-citizen form's
start date in both languages. axe-core finds no serious or critical violations on any
of them, with the menu open too."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from bip.accounts.models import Role
from tests.browser.conftest import login, serious_violations
from tests.factories import MembershipFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct-horse-battery"

# Whether the bar's items sit on one line: their vertical middles within a few pixels
# of each other (a wrapped item sits a whole row lower), and the bar one row high.
ONE_ROW = """() => {
  const bar = document.querySelector("header nav.navbar");
  const middles = [...bar.querySelectorAll(
    ".navbar-brand, #main-nav > ul > li, #main-nav > div > *"
  )].map(el => { const r = el.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
  const spread = Math.max(...middles) - Math.min(...middles);
  return spread < 12 && bar.getBoundingClientRect().height < 70;
}"""


@pytest.fixture
def admin_of_two(municipal_admin, world):
    """The widest bar: an admin with a municipality switcher and a long name."""
    municipal_admin.first_name, municipal_admin.last_name = "Margrethe", "Østergaard"
    municipal_admin.save()
    MembershipFactory(
        user=municipal_admin,
        role=Role.MUNICIPAL_ADMIN,
        municipality=world.other_municipality,
        valid_from=date(2020, 1, 1),
    )
    return municipal_admin


def test_admin_navigation_fits_and_pages_pass_axe(live_server, browser, admin_of_two):
    context = browser.new_context(
        locale="da-DK", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    login(page, live_server, "municipal_admin", PASSWORD)
    assert page.url.endswith("/municipality/")
    assert page.evaluate(ONE_ROW)
    assert serious_violations(page) == []

    # the administration pages sit in one menu that opens without scripts
    menu = page.locator("summary", has_text="Administration")
    menu.click()
    items = page.locator("[data-nav-menu] .dropdown-item")
    assert items.all_inner_texts() == [
        "Enheder og teams",
        "Spørgeskema",
        "Indsatser",
        "Import",
        "Modeller",
        "Adgangslog",
        "Integrationer",
    ]
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    assert not items.first.is_visible()

    # the model page's blue box: its link has the box's own text colour
    page.goto(f"{live_server.url}/models/")
    link = page.locator(".alert-info a", has_text="Se dens tal")
    assert link.is_visible()
    assert serious_violations(page) == []
    assert page.locator("summary.active", has_text="Administration").count() == 1

    # the start date's default reaches the date picker in both languages
    today = timezone.localdate().isoformat()
    page.goto(f"{live_server.url}/citizens/new/")
    assert page.input_value("input[name=enrolment_start]") == today
    assert serious_violations(page) == []
    page.select_option("#language-select", "en")
    with page.expect_navigation():
        page.locator("footer button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("input[name=enrolment_start]") == today
    assert page.evaluate(ONE_ROW)
    assert serious_violations(page) == []
    context.close()

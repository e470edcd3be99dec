"""A case worker records a round with the keyboard only, makes a personal link, the
citizen answers on a phone, and the citizen page shows both series. axe-core finds no
serious or critical violations on the round form, the citizen form and the citizen page,
and the answer options' outlines have 3:1 contrast (axe does not check that)."""

from __future__ import annotations

import pytest

from measurements.models import Answer, Respondent, Response, Round
from tests.browser.conftest import (
    login,
    low_contrast_answer_borders,
    serious_violations,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct-horse-battery"


def press_until(page, predicate, key="Tab", limit=60):
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(predicate):
            return
    raise AssertionError(f"never reached: {predicate}")


def test_round_by_keyboard_link_on_a_phone_and_both_series(
    live_server, browser, page, caseworker, citizen
):
    login(page, live_server, "caseworker", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    # start the round with the keyboard
    press_until(page, "document.activeElement.textContent.trim() === 'Start ny måling'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rounds/*/")
    assert serious_violations(page) == []
    assert low_contrast_answer_borders(page) == []

    # every case worker question: Tab into its radio group, arrows to "3"; the
    # citizen's questions are left for the citizen's own link
    rnd = Round.objects.get()
    cw_names = {
        f"q{q.pk}"
        for q in rnd.instrument_version.questions.filter(
            respondent=Respondent.CASEWORKER
        )
    }
    filled = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.name || ''")
        if name in cw_names and name not in filled:
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            filled.add(name)
        if page.evaluate("document.activeElement.value === 'submit_caseworker'"):
            break
    assert filled == cw_names
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rnd.refresh_from_db()
    assert rnd.state == Round.State.COMPLETE
    cw_values = set(
        Answer.objects.filter(response__respondent="caseworker").values_list(
            "value", flat=True
        )
    )
    assert cw_values == {3}

    # a personal link for the citizen, shown once with a QR code
    press_until(
        page,
        "document.activeElement.textContent.trim() === 'Lav et personligt link til borgeren'",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    url = page.input_value("#citizen-link")
    assert page.locator("img.qr").is_visible()

    # the citizen answers on a phone-sized screen, without logging in
    phone = browser.new_context(
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="da-DK",
    )
    mobile = phone.new_page()
    mobile.goto(url)
    assert mobile.get_by_role("heading", name="Hvordan går det?").is_visible()
    assert serious_violations(mobile) == []
    assert low_contrast_answer_borders(mobile) == []
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "no sideways scrolling on a phone"
    for fieldset in mobile.locator("fieldset.answer").all():
        fieldset.get_by_label("4", exact=True).check()
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Send mine svar").click()
    assert mobile.get_by_role("heading", name="Tak for dine svar").is_visible()
    # the used link says so in whole sentences
    mobile.goto(url)
    assert mobile.get_by_role("heading", name="Linket virker ikke").is_visible()
    assert mobile.get_by_text("en del af det mangler. Der er ikke gemt noget.").count()
    assert serious_violations(mobile) == []
    phone.close()
    citizen_response = Response.objects.get(round=rnd, respondent="citizen")
    assert (citizen_response.state, citizen_response.channel) == ("submitted", "link")

    # the citizen page shows both series, as charts and as tables
    page.goto(f"{live_server.url}/citizens/{citizen.pk}/")
    assert page.locator("canvas[data-indicator]").count() == 11
    assert page.locator("canvas[data-radar]").count() == 2
    cells = page.locator("#ind-table-job_search tbody tr td").all_text_contents()
    assert cells[1:] == ["3", "4"]  # case worker, citizen
    assert serious_violations(page) == []
    assert page.console_errors == []

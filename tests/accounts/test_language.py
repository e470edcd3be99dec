from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from bip.accounts.scoping import scope_for

pytestmark = pytest.mark.django_db


def test_danish_by_default_even_for_an_english_browser(client):
    r = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert r.status_code == HTTPStatus.OK
    assert '<html lang="da">' in r.content.decode()
    assert "Log ind" in r.content.decode()


def test_the_language_switch_is_remembered(client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert r.status_code == HTTPStatus.FOUND
    r = client.get("/login/")
    assert '<html lang="en">' in r.content.decode()
    assert "Log in" in r.content.decode()
    assert r["Content-Language"] == "en"


def test_an_unknown_language_cookie_falls_back_to_danish(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert '<html lang="da">' in client.get("/login/").content.decode()


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [("da", "28.05.2026", "28. maj 2026"), ("en", "28/05/2026", "28 May 2026")],
)
def test_dates_read_day_month_year_in_both_languages(language, short, long):
    with translation.override(language):
        day = date(2026, 5, 28)
        assert (date_format(day, "SHORT_DATE_FORMAT"), date_format(day)) == (
            short,
            long,
        )


def test_english_pages_show_day_month_year(client, municipal_admin):
    client.force_login(municipal_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/audit/", {"date_from": "2020-01-01"})  # an event dated today
    body = client.post("/audit/", {"date_from": "2020-01-01"}).content.decode()
    today = timezone.localdate()
    assert today.strftime("%d/%m/%Y") in body
    assert today.strftime("%m/%d/%Y") not in body or today.day == today.month


@pytest.mark.parametrize("language", ["da", "en"])
def test_date_pickers_get_iso_values_in_both_languages(language, caseworker, world):
    from citizens.forms import CitizenCreateForm

    with translation.override(language):
        html = str(
            CitizenCreateForm(scope=scope_for(caseworker), viewer=caseworker)[
                "enrolment_start"
            ]
        )
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert 'type="date"' in html

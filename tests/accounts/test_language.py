from __future__ import annotations

from http import HTTPStatus

import pytest

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

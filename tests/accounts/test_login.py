from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from bip.accounts.admin import UserAdmin
from bip.accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_login_lands_on_the_start_page(client, caseworker):
    r = login(client, "caseworker", PASSWORD)
    assert r.status_code == HTTPStatus.FOUND
    assert client.get("/").url == "/citizens/"


def test_lockout_after_repeated_failures_and_unlock(
    client, caseworker, system_admin, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "caseworker", "wrong").status_code == HTTPStatus.OK
    assert login(client, "caseworker", "wrong").status_code == 429
    locked = login(client, "caseworker", PASSWORD)  # even the right password
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Login låst" in locked.content.decode()
    # a colleague behind the same address is not locked out
    User.objects.create_user("colleague", password=PASSWORD)
    assert login(client, "colleague", PASSWORD).status_code == HTTPStatus.FOUND
    client.logout()
    # the system admin unlocks the user in the admin
    request = RequestFactory().post("/django-admin/accounts/user/")
    request.user = system_admin
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    UserAdmin(User, site).unlock_login(
        request, User.objects.filter(username="caseworker")
    )
    assert login(client, "caseworker", PASSWORD).status_code == HTTPStatus.FOUND


def test_lockout_expires_after_the_cooloff(client, caseworker, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "caseworker", "wrong")
    with time_machine.travel(
        timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    ):
        assert login(client, "caseworker", PASSWORD).status_code == HTTPStatus.FOUND


def test_password_reset_end_to_end(client, caseworker):
    caseworker.email = "cw@kommune.invalid"
    caseworker.save()
    r = client.post("/password-reset/", {"email": "cw@kommune.invalid"})
    assert r.status_code == HTTPStatus.FOUND
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"http://testserver(/password-reset/\S+/)", body).group(1)
    r = client.get(link, follow=True)
    assert r.status_code == HTTPStatus.OK
    form_url = r.redirect_chain[-1][0]
    r = client.post(
        form_url,
        {
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert r.status_code == HTTPStatus.FOUND
    assert (
        login(client, "caseworker", "a-new-long-passphrase").status_code
        == HTTPStatus.FOUND
    )
    # the link works once
    client.logout()
    assert "virker ikke" in client.get(link, follow=True).content.decode()


def test_password_reset_does_not_reveal_unknown_addresses(client):
    r = client.post("/password-reset/", {"email": "nobody@kommune.invalid"})
    assert r.status_code == HTTPStatus.FOUND
    assert mail.outbox == []


def test_idle_session_is_logged_out(client, caseworker, settings):
    client.force_login(caseworker)
    assert client.get("/citizens/").status_code == HTTPStatus.OK
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.BIP_IDLE_TIMEOUT + 5)
    ):
        r = client.get("/citizens/")
    assert r.status_code == HTTPStatus.FOUND
    assert r.url.startswith("/login/")
    assert client.get("/citizens/").status_code == HTTPStatus.FOUND


def test_polling_a_job_does_not_keep_the_session_alive(client, caseworker, settings):
    client.force_login(caseworker)
    client.get("/citizens/")
    half = timedelta(seconds=settings.BIP_IDLE_TIMEOUT // 2 + 5)
    with time_machine.travel(timezone.now() + half):
        client.get("/jobs/999/status/")
    with time_machine.travel(timezone.now() + 2 * half):
        assert client.get("/citizens/").status_code == HTTPStatus.FOUND


def test_keepalive_keeps_the_session(client, caseworker, settings):
    client.force_login(caseworker)
    client.get("/citizens/")
    half = timedelta(seconds=settings.BIP_IDLE_TIMEOUT // 2 + 5)
    with time_machine.travel(timezone.now() + half):
        assert client.post("/session/keepalive/").status_code == HTTPStatus.NO_CONTENT
    with time_machine.travel(timezone.now() + 2 * half):
        assert client.get("/citizens/").status_code == HTTPStatus.OK


def test_keepalive_needs_post(client, caseworker):
    client.force_login(caseworker)
    assert (
        client.get("/session/keepalive/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    )

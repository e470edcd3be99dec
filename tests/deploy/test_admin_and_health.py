from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib import admin

pytestmark = pytest.mark.django_db

ALLOWED_ADMIN_MODELS = {
    "accounts.user",
    "accounts.municipality",
    "accounts.unit",
    "accounts.team",
    "citizens.targetgroup",
}


def test_admin_registers_only_users_units_and_global_reference_data():
    """Every registration, third-party apps' included (they register when the admin
    autodiscovers at start-up): exactly the allow-list, and never a token."""
    registered = {
        f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry
    }
    assert registered == ALLOWED_ADMIN_MODELS
    assert not [name for name in registered if "token" in name]


def test_drf_plain_tokens_are_gone():
    from django.apps import apps
    from django.conf import settings

    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert not apps.is_installed("rest_framework.authtoken")
    auth = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert "rest_framework.authentication.TokenAuthentication" not in auth


@pytest.mark.parametrize("who", ["caseworker", "municipal_admin", "analyst"])
def test_only_the_system_admin_reaches_django_admin(client, request, who):
    user = request.getfixturevalue(who)
    user.is_staff = True  # even a staff flag set by mistake is not enough
    user.save()
    client.force_login(user)
    assert client.get("/django-admin/").status_code == HTTPStatus.FOUND


def test_system_admin_reaches_django_admin(client, system_admin):
    client.force_login(system_admin)
    assert client.get("/django-admin/").status_code == HTTPStatus.OK


def test_healthz_reports_without_failing_liveness(client):
    r = client.get("/healthz")
    assert r.status_code == HTTPStatus.OK
    body = r.json()
    assert body["web"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["worker"] == "unknown"
    assert body["beat"] == "unknown"


def test_healthz_says_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    r = client.get("/healthz")
    assert r.status_code == HTTPStatus.OK
    assert r.json()["redis"].startswith("down")

"""Throttling per integration token (docs/api.md): a token over its rate gets 429
with Retry-After, another token and a signed-in user are unaffected, and with the
cache away requests still go through."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from bip.accounts.services import integration_create, token_issue

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(30)]


def secret(world, admin, name):
    account = integration_create(
        municipality_id=world.municipality.pk,
        name=name,
        writes=False,
        unit=None,
        by=admin,
    )
    return token_issue(account=account, valid_days=30, by=admin)[1]


def get(client, value=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {value}"} if value else {}
    return client.get("/api/v1/outcomes/", **headers)


def test_a_token_over_its_rate_gets_429_and_others_do_not(
    client, settings, world, municipal_admin
):
    settings.BIP_API_TOKEN_RATE = "3/min"
    busy, quiet = (secret(world, municipal_admin, n) for n in ("Busy", "Quiet"))
    assert [get(client, busy).status_code for _ in range(3)] == [HTTPStatus.OK] * 3
    refused = get(client, busy)
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"]
    assert get(client, quiet).status_code == HTTPStatus.OK
    client.force_login(municipal_admin)
    assert [get(client).status_code for _ in range(5)] == [HTTPStatus.OK] * 5


def test_with_the_cache_away_requests_go_through(
    client, settings, world, municipal_admin, monkeypatch
):
    from rest_framework.throttling import SimpleRateThrottle

    def away(*args, **kwargs):
        raise ConnectionError("cache away")

    settings.BIP_API_TOKEN_RATE = "1/min"
    monkeypatch.setattr(SimpleRateThrottle.cache, "get", away)
    token = secret(world, municipal_admin, "Fag")
    assert [get(client, token).status_code for _ in range(3)] == [HTTPStatus.OK] * 3

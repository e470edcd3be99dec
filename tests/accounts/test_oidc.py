"""OIDC login against a locally signed ID token; the token and key endpoints mocked."""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from unittest import mock
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bip.accounts.models import User

pytestmark = pytest.mark.django_db
ISSUER = "https://idp.kommune.invalid"
CLIENT_ID = "bip-client"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


IDP_KEY = new_key()
OTHER_KEY = new_key()


@pytest.fixture
def oidc(settings):
    settings.BIP_OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "bip.accounts.oidc.MunicipalOIDCBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/jwks"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/userinfo"
    settings.OIDC_OP_ISSUER = ISSUER


def id_token(
    *, key=IDP_KEY, aud=CLIENT_ID, email="cw@kommune.invalid", nonce=None, iss=ISSUER
):
    now = int(time.time())
    claims = {
        "iss": iss,
        "aud": aud,
        "sub": "abc",
        "email": email,
        "iat": now,
        "exp": now + 300,
    }
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def jwks():
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(IDP_KEY.public_key()))
    return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


def sso_login(client, **token_kwargs):
    start = client.get("/oidc/authenticate/")
    assert start.status_code == HTTPStatus.FOUND
    query = parse_qs(urlparse(start.url).query)
    assert query["client_id"] == [CLIENT_ID]
    token = id_token(nonce=query["nonce"][0], **token_kwargs)

    token_response = mock.Mock(status_code=200)
    token_response.json.return_value = {"id_token": token, "access_token": "at"}
    jwks_response = mock.Mock(status_code=200)
    jwks_response.json.return_value = jwks()
    with (
        mock.patch(
            "mozilla_django_oidc.auth.requests.post", return_value=token_response
        ),
        mock.patch("mozilla_django_oidc.auth.requests.get", return_value=jwks_response),
    ):
        return client.get("/oidc/callback/", {"code": "c", "state": query["state"][0]})


@pytest.fixture
def known_user(caseworker):
    caseworker.email = "cw@kommune.invalid"
    caseworker.save()
    return caseworker


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_valid_token_logs_in_the_existing_user(client, oidc, known_user):
    r = sso_login(client)
    assert r.status_code == HTTPStatus.FOUND
    assert "sso=failed" not in r.url
    assert logged_in_as(client) == str(known_user.pk)


def test_bad_signature_is_refused(client, oidc, known_user):
    r = sso_login(client, key=OTHER_KEY)
    assert "sso=failed" in r.url
    assert logged_in_as(client) is None


def test_wrong_audience_is_refused(client, oidc, known_user):
    r = sso_login(client, aud="another-app")
    assert "sso=failed" in r.url
    assert logged_in_as(client) is None


def test_wrong_issuer_is_refused(client, oidc, known_user):
    r = sso_login(client, iss="https://evil.invalid")
    assert "sso=failed" in r.url
    assert logged_in_as(client) is None


def test_unknown_user_is_refused_and_not_created(client, oidc, known_user):
    before = User.objects.count()
    r = sso_login(client, email="stranger@kommune.invalid")
    assert "sso=failed" in r.url
    assert logged_in_as(client) is None
    assert User.objects.count() == before


def test_deactivated_user_is_refused(client, oidc, known_user):
    known_user.is_active = False
    known_user.save()
    r = sso_login(client)
    assert "sso=failed" in r.url
    assert logged_in_as(client) is None


def test_login_page_offers_sso_only_when_enabled(client, settings, oidc):
    assert "/oidc/authenticate/" in client.get("/login/").content.decode()
    settings.BIP_OIDC_ENABLED = False
    assert "/oidc/authenticate/" not in client.get("/login/").content.decode()

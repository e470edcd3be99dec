"""OIDC single sign-on against the municipality's identity provider.

A valid ID token only identifies an existing, active user (by a configured claim); it
never creates a user or grants a role. The token's signature, issuer, audience and
expiry are all checked (the library leaves audience and issuer to us).
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from bip.accounts.models import User
from bip.audit.models import Purpose
from bip.audit.services import record

logger = logging.getLogger(__name__)


class MunicipalOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> User | None:
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            # a refused token is a failed login (the failure page), not a 400
            logger.warning("OIDC login refused: %s", exc)
            return None

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("unexpected signing algorithm")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.PyJWTError as exc:
            record(
                actor=None,
                action="login.sso_refused",
                purpose=Purpose.SECURITY,
                criterion_masked=type(exc).__name__,
            )
            raise SuspiciousOperation(
                f"ID token refused: {type(exc).__name__}"
            ) from exc

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        # The verified ID token carries the claims we use; no second call needed.
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get(settings.BIP_OIDC_USER_CLAIM))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        value = claims.get(settings.BIP_OIDC_USER_CLAIM)
        if not value:
            return User.objects.none()
        lookup = {f"{settings.BIP_OIDC_USER_FIELD}__iexact": value, "is_active": True}
        return User.objects.filter(**lookup, is_integration=False)

    def create_user(self, claims: dict[str, Any]) -> User:
        raise SuspiciousOperation(
            "no user for these claims: users are never created by SSO"
        )

"""API authentication by an integration account's token (DESIGN section 2).

knox hashes the token and parses the header; this class decides which tokens count: an
integration user's, not revoked, not expired, its account active. Every use and every
refusal of a known token is audited under the token's own identity (the integration,
the token and who issued it), in the token's municipality. A person never has a token.
"""

from __future__ import annotations

import binascii
from datetime import timedelta
from hmac import compare_digest
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from bip.accounts.models import ApiToken
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record

# last_used_at is written at most this often per token: a busy integration must not
# turn every read into a write on the same row
LAST_USED_EVERY = timedelta(minutes=1)


def _refusal(token: ApiToken, now: Any) -> str:
    if token.revoked_at is not None:
        return str(_("The token is revoked."))
    if token.expiry <= now:
        return str(_("The token has expired."))
    user = token.user
    if (
        token.account.deactivated_at is not None
        or not user.is_active
        or not user.is_integration
    ):
        return str(_("The integration is deactivated."))
    return ""


class IntegrationTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer bip_...` with an integration account's token."""

    request: Any = None

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, token: bytes) -> tuple[Any, ApiToken]:
        presented = token.decode("utf-8", errors="replace")
        now = timezone.now()
        try:
            digest = hash_token(presented)
        except (TypeError, binascii.Error, ValueError):
            digest = ""
        candidates = ApiToken.objects.filter(
            token_key=presented[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user", "account", "created_by")
        for api_token in candidates:
            if not digest or not compare_digest(digest, api_token.digest):
                continue
            user = api_token.user
            # the token's identity and municipality, for the audit log and the scope
            user.audit_label = api_token.audit_label
            user.active_municipality_id = api_token.municipality_id
            refusal = _refusal(api_token, now)
            self._record(user, api_token, refused=bool(refusal))
            if refusal:
                raise exceptions.AuthenticationFailed(refusal)
            ApiToken.objects.filter(pk=api_token.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
            ).update(last_used_at=now)
            return user, api_token
        # Nothing of an unknown credential is logged: it may be a mistyped secret.
        record(
            actor=None,
            action="access.denied",
            purpose=Purpose.SECURITY,
            object_type="apitoken",
        )
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    def _record(self, user: Any, api_token: ApiToken, *, refused: bool) -> None:
        request = self.request
        where = f"{request.method} {request.path}" if request is not None else ""
        record(
            actor=user,
            action="access.denied" if refused else "apitoken.use",
            purpose=Purpose.SECURITY,
            object_type="apitoken",
            object_id=api_token.pk,
            municipality_id=api_token.municipality_id,
            # the path names ids at most; the query string may hold a searched name
            criterion_masked=where,
        )

    def authenticate_header(self, request: Any) -> str:
        return str(knox_settings.AUTH_HEADER_PREFIX)


class IntegrationAccess(BasePermission):
    """A read-only integration may only read; people are decided by the views.
    A research integration may post only what asks for aggregates (an export
    request: a view with `requests_statistics`), never citizens' data."""

    message = _("This integration may only read.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not getattr(user, "is_integration", False) or request.method in SAFE_METHODS:
            return True
        scope = scope_for(user)
        if getattr(view, "requests_statistics", False) and scope.is_analyst:
            return True
        return scope.integration_writes


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = IntegrationTokenAuthentication
    name = "integrationToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix=str(knox_settings.AUTH_HEADER_PREFIX),
        )

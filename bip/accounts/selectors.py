"""Reads of the organisation that views share, scoped to the viewer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bip.accounts.models import ApiToken, IntegrationAccount
from bip.accounts.scoping import scope_for


def integration_list(*, viewer: Any) -> QuerySet[IntegrationAccount]:
    """The active municipality's integrations, for its municipal admin only."""
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return IntegrationAccount.objects.none()
    return IntegrationAccount.objects.filter(municipality_id=scope.municipality_id)


def token_list(*, viewer: Any) -> QuerySet[ApiToken]:
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(municipality_id=scope.municipality_id)

"""Reads of the organisation that views share, scoped to the viewer (DESIGN section
2): look-ups take the viewer and answer 404 outside their scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from bip.accounts.access import scoped_get
from bip.accounts.models import (
    ApiToken,
    IntegrationAccount,
    Membership,
    Municipality,
    Team,
    Unit,
    User,
)
from bip.accounts.scoping import scope_for


def integration_list(*, viewer: User) -> QuerySet[IntegrationAccount]:
    """The active municipality's integrations, for its municipal admin only."""
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return IntegrationAccount.objects.none()
    return IntegrationAccount.objects.filter(municipality_id=scope.municipality)


def integration_get(*, viewer: User, pk: Any) -> IntegrationAccount:
    return scoped_get(integration_list(viewer=viewer), pk, viewer=viewer)


def integration_page(*, viewer: User) -> QuerySet[IntegrationAccount]:
    """The integrations with their tokens and scope, for the Integrations page."""
    return (
        integration_list(viewer=viewer)
        .select_related("created_by", "user")
        .prefetch_related(
            Prefetch(
                "tokens",
                queryset=ApiToken.objects.select_related(
                    "created_by", "revoked_by"
                ).order_by("-created"),
            ),
            Prefetch(
                "user__memberships",
                queryset=Membership.objects.select_related("unit").order_by("-pk"),
            ),
        )
        .order_by("deactivated_at", "name")
    )


def token_list(*, viewer: User) -> QuerySet[ApiToken]:
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(municipality_id=scope.municipality)


def token_get(*, viewer: User, pk: Any) -> ApiToken:
    return scoped_get(
        token_list(viewer=viewer).select_related("account"), pk, viewer=viewer
    )


def member_list(*, municipality_id: int | None) -> QuerySet[User]:
    """Users with a role in the municipality (for choosing one in a search)."""
    if municipality_id is None:
        return User.objects.none()
    return (
        User.objects.filter(memberships__municipality_id=municipality_id)
        .distinct()
        .order_by("username")
    )


def organisation(*, viewer: User) -> dict[str, Any]:
    """The active municipality's units, teams (with their citizens and members
    counted) and current memberships, for its municipal admin."""
    scope = scope_for(viewer)
    muni = Municipality.objects.get(pk=scope.municipality)
    current = Membership.objects.current(timezone.localdate())
    units = (
        Unit.objects.filter(municipality=muni)
        .prefetch_related(
            Prefetch(
                "teams",
                queryset=Team.objects.annotate(
                    citizen_count=Count("citizen", distinct=True),
                    member_count=Count(
                        "membership",
                        filter=Q(membership__in=current),
                        distinct=True,
                    ),
                ).order_by("name"),
            )
        )
        .order_by("name")
    )
    memberships = (
        current.filter(municipality=muni)
        .select_related("user", "team", "unit")
        .order_by("user__last_name", "user__first_name", "role")
    )
    return {"municipality": muni, "units": units, "memberships": memberships}


def municipality_list(*, viewer: User) -> QuerySet[Municipality]:
    """Every municipality of the installation, for the system admin."""
    if not scope_for(viewer).is_system_admin:
        return Municipality.objects.none()
    return Municipality.objects.order_by("name")

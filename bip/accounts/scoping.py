"""Who sees what (DESIGN section 2): the building blocks every selector uses.

A viewer's scope is computed once per request (cached on the user object) from the
memberships valid today in the active municipality, plus unexpired scope grants. An
integration account's API token gets its scope the same way, from its user's
integration membership (read only or read and write; the municipality or one unit).
Domain selectors turn it into querysets with `citizen_q`; views, API, exports and jobs
all go through those selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from bip.accounts.models import (
    INTEGRATION_ROLES,
    PERSON_LEVEL_INTEGRATION_ROLES,
    Membership,
    Role,
    ScopeGrant,
    Team,
)

Action = Literal["read", "write"]
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    municipality_id: int | None
    municipality_ids: frozenset[int]  # every municipality the user has a role in
    roles: frozenset[str]
    team_ids: frozenset[int]  # teams the user is a case worker in
    led_team_ids: frozenset[int]
    led_unit_ids: frozenset[int]
    granted_citizen_ids: frozenset[int]
    is_system_admin: bool
    # an integration's teams (its unit's), or None for the whole municipality
    integration_team_ids: frozenset[int] | None = None
    integration_writes: bool = False

    @property
    def municipality(self) -> int:
        """The active municipality, for what exists only inside one (an admin's
        pages, an import): a user without one is refused (403)."""
        if self.municipality_id is None:
            raise PermissionDenied
        return self.municipality_id

    @property
    def is_municipal_admin(self) -> bool:
        return Role.MUNICIPAL_ADMIN in self.roles

    @property
    def is_analyst(self) -> bool:
        """An analyst, or a research integration (a machine with an analyst's
        access: aggregates suppressed, pseudonymised exports, no person level)."""
        return bool(self.roles & {Role.ANALYST, Role.INTEGRATION_RESEARCH})

    @property
    def is_team_leader(self) -> bool:
        return Role.TEAM_LEADER in self.roles

    @property
    def is_caseworker(self) -> bool:
        return Role.CASEWORKER in self.roles

    @property
    def is_integration(self) -> bool:
        """An integration that reads citizens at person level (not a research one)."""
        return bool(self.roles & set(PERSON_LEVEL_INTEGRATION_ROLES))

    @property
    def sees_people(self) -> bool:
        """Whether any citizen can be in scope (analysts and system admins: never)."""
        return bool(
            self.is_municipal_admin
            or self.is_integration
            or self.team_ids
            or self.led_team_ids
            or self.granted_citizen_ids
        )


EMPTY_SCOPE = Scope(
    None,
    None,
    frozenset(),
    frozenset(),
    frozenset(),
    frozenset(),
    frozenset(),
    frozenset(),
    False,
)


def user_municipality_ids(user: AbstractBaseUser) -> list[int]:
    today = timezone.localdate()
    return sorted(
        set(
            Membership.objects.current(today)
            .filter(user_id=user.pk)
            .values_list("municipality_id", flat=True)
        )
    )


def scope_for(
    user: AbstractBaseUser | AnonymousUser | None, municipality_id: int | None = None
) -> Scope:
    """The user's scope in one municipality (the active one unless given)."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_active
    ):
        return EMPTY_SCOPE
    if municipality_id is None:
        municipality_id = getattr(user, "active_municipality_id", None)
    cache: dict[int | None, Scope] = user.__dict__.setdefault("_bip_scopes", {})
    if municipality_id in cache:
        return cache[municipality_id]

    today = timezone.localdate()
    memberships = list(
        Membership.objects.current(today)
        .filter(user_id=user.pk)
        .values("municipality_id", "role", "team_id", "team__unit_id", "unit_id")
    )
    # An integration user holds integration roles only, a person never: a role of the
    # other kind (given by mistake) counts for nothing.
    integration = bool(getattr(user, "is_integration", False))
    memberships = [
        m for m in memberships if (m["role"] in INTEGRATION_ROLES) == integration
    ]
    all_municipalities = frozenset(m["municipality_id"] for m in memberships)
    if municipality_id is None and all_municipalities:
        municipality_id = min(all_municipalities)
    mine = [m for m in memberships if m["municipality_id"] == municipality_id]
    integration_team_ids: frozenset[int] | None = None
    unit_ids = {
        m["unit_id"] for m in mine if m["role"] in PERSON_LEVEL_INTEGRATION_ROLES
    }
    if unit_ids and None not in unit_ids:
        integration_team_ids = frozenset(
            Team.objects.filter(unit_id__in=unit_ids).values_list("id", flat=True)
        )
    grants = (
        ScopeGrant.objects.filter(
            user_id=user.pk, municipality_id=municipality_id, until__gt=timezone.now()
        ).values_list("citizen_id", flat=True)
        if municipality_id is not None
        else []
    )
    scope = Scope(
        user_id=user.pk,
        municipality_id=municipality_id,
        municipality_ids=all_municipalities,
        roles=frozenset(m["role"] for m in mine),
        team_ids=frozenset(m["team_id"] for m in mine if m["role"] == Role.CASEWORKER),
        led_team_ids=frozenset(
            m["team_id"] for m in mine if m["role"] == Role.TEAM_LEADER
        ),
        led_unit_ids=frozenset(
            m["team__unit_id"] for m in mine if m["role"] == Role.TEAM_LEADER
        ),
        granted_citizen_ids=(
            frozenset(grants) if municipality_id and not integration else frozenset()
        ),
        is_system_admin=bool(getattr(user, "is_superuser", False)) and not integration,
        integration_team_ids=integration_team_ids,
        integration_writes=any(m["role"] == Role.INTEGRATION_WRITE for m in mine),
    )
    cache[municipality_id] = scope
    return scope


def citizen_q(scope: Scope, action: Action, *, prefix: str = "") -> Q:
    """A filter for citizens (or rows carrying a citizen) that the scope may read/write.

    `prefix` points at the citizen from another model, e.g. "enrolment__citizen__".
    The citizen row carries municipality_id, team_id and caseworker_id (current).
    """
    if scope.municipality_id is None:
        return NOTHING

    def f(**kwargs: Any) -> Q:
        return Q(**{f"{prefix}{k}": v for k, v in kwargs.items()})

    in_municipality = f(municipality_id=scope.municipality_id)
    if scope.is_integration:
        if action == "write" and not scope.integration_writes:
            return NOTHING
        if scope.integration_team_ids is None:
            return in_municipality
        if not scope.integration_team_ids:
            return NOTHING
        return in_municipality & f(team_id__in=sorted(scope.integration_team_ids))
    if scope.is_municipal_admin:
        return in_municipality
    allowed = NOTHING
    if scope.granted_citizen_ids:
        allowed |= f(id__in=sorted(scope.granted_citizen_ids))
    if scope.led_team_ids:
        allowed |= f(team_id__in=sorted(scope.led_team_ids))
    if action == "read" and scope.team_ids:
        allowed |= f(team_id__in=sorted(scope.team_ids))
    if action == "write" and scope.team_ids:
        allowed |= f(caseworker_id=scope.user_id)
    if allowed == NOTHING:
        return NOTHING
    return in_municipality & allowed

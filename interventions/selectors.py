"""Reads of interventions, outcomes and the catalogue for a viewer (DESIGN section 2):
look-ups take the viewer and the action and answer 404 outside their scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bip.accounts.access import scoped_get
from bip.accounts.models import User
from bip.accounts.scoping import Action, citizen_q, scope_for
from citizens.models import Citizen
from interventions.models import InterventionEpisode, InterventionType, Outcome
from interventions.services import catalogue


def episode_list(
    *, viewer: User, action: Action = "read"
) -> QuerySet[InterventionEpisode]:
    return InterventionEpisode.objects.filter(
        citizen_q(scope_for(viewer), action, prefix="enrolment__citizen__")
    )


def episode_get(
    *, viewer: User, pk: Any, action: Action = "read"
) -> InterventionEpisode:
    return scoped_get(
        episode_list(viewer=viewer, action=action).select_related(
            "enrolment__citizen", "type"
        ),
        pk,
        viewer=viewer,
    )


def outcome_list(*, viewer: User, action: Action = "read") -> QuerySet[Outcome]:
    """Outcomes of citizens the viewer may read (or write)."""
    return Outcome.objects.filter(
        citizen_q(scope_for(viewer), action, prefix="citizen__")
    )


def citizen_episodes(*, citizen: Citizen) -> list[InterventionEpisode]:
    """Every episode of a citizen the caller has already looked up, oldest first."""
    return list(
        InterventionEpisode.objects.filter(enrolment__citizen=citizen)
        .select_related("type")
        .order_by("start", "pk")
    )


def citizen_outcomes(*, citizen: Citizen) -> QuerySet[Outcome]:
    return Outcome.objects.filter(citizen=citizen).order_by("-date")


def type_list(*, viewer: User) -> QuerySet[InterventionType]:
    """The catalogue the viewer's municipality uses: its own copy, else the shipped
    one."""
    return catalogue(municipality_id=scope_for(viewer).municipality_id)


def own_type_list(*, viewer: User) -> QuerySet[InterventionType]:
    """The municipality's own copy of the catalogue (what its admin may edit)."""
    return InterventionType.objects.filter(
        municipality_id=scope_for(viewer).municipality_id
    )


def own_type_get(*, viewer: User, pk: Any) -> InterventionType:
    return scoped_get(own_type_list(viewer=viewer), pk, viewer=viewer)

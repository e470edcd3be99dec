"""Reads for the team leader's, the admin's and the analyst's pages (DESIGN section 2):
the teams and units a viewer may see figures for, and the figures' inputs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from bip.accounts.access import scoped_get
from bip.accounts.models import Membership, Role, Team, Unit, User
from bip.accounts.scoping import scope_for
from bip.jobs.models import Job
from citizens.models import Citizen
from citizens.selectors import citizen_list
from measurements.models import AssociationSnapshot
from measurements.scoring.associations import KIND as ASSOCIATIONS_JOB


def led_teams(*, viewer: User) -> QuerySet[Team]:
    return (
        Team.objects.filter(pk__in=sorted(scope_for(viewer).led_team_ids))
        .select_related("unit")
        .order_by("name")
    )


def team_caseloads(
    *, viewer: User, teams: list[Team]
) -> dict[int, list[dict[str, Any]]]:
    """Per led team, its case workers with the number of citizens each is responsible
    for; None as a key counts the citizens without a case worker."""
    counts = dict(
        citizen_list(viewer=viewer)
        .filter(team__in=teams)
        .values_list("caseworker_id")
        .annotate(n=Count("pk"))
        .values_list("caseworker_id", "n")
    )
    members = (
        Membership.objects.current(timezone.localdate())
        .filter(team__in=teams, role=Role.CASEWORKER)
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    )
    rows: dict[Any, list[dict[str, Any]]] = {t.pk: [] for t in teams}
    for m in members:
        rows[m.team_id].append({"user": m.user, "citizens": counts.get(m.user_id, 0)})
    rows[None] = [{"citizens": counts.get(None, 0)}]
    return rows


def citizens_per_team(*, viewer: User) -> tuple[list[Team], dict[int, int]]:
    """The municipality's teams and the number of citizens on each (aggregates: the
    caller suppresses small cells)."""
    municipality_id = scope_for(viewer).municipality_id
    per_team = dict(
        Citizen.objects.filter(municipality_id=municipality_id, team__isnull=False)
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    teams = list(
        Team.objects.filter(municipality_id=municipality_id)
        .select_related("unit")
        .order_by("unit__name", "name")
    )
    return teams, per_team


def association_units(*, viewer: User) -> QuerySet[Unit]:
    """Units whose associations the viewer may see: a team leader's own job centre(s);
    the whole municipality's for admins and analysts."""
    scope = scope_for(viewer)
    units = Unit.objects.filter(municipality_id=scope.municipality_id)
    if scope.is_municipal_admin or scope.is_analyst:
        return units
    return units.filter(pk__in=sorted(scope.led_unit_ids))


def association_unit_get(*, viewer: User, pk: Any) -> Unit:
    return scoped_get(association_units(viewer=viewer), pk, viewer=viewer)


def unit_snapshots(*, viewer: User) -> list[AssociationSnapshot]:
    """Every unit's latest associations of the viewer's municipality (to find the
    cells a small one would reveal)."""
    return list(
        AssociationSnapshot.objects.filter(
            municipality_id=scope_for(viewer).municipality_id, unit__isnull=False
        ).order_by("unit_id")
    )


def associations_running(*, viewer: User) -> Job | None:
    """A waiting or running computation of the associations, for the admin."""
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return None
    return Job.objects.filter(
        municipality_id=scope.municipality_id,
        kind=ASSOCIATIONS_JOB,
        state__in=[Job.State.PENDING, Job.State.RUNNING],
    ).first()

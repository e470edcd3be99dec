"""Reads for the team leader's, the admin's and the analyst's pages (DESIGN section 2):
the teams and units a viewer may see figures for, and the figures' inputs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, Count, QuerySet, Value, When
from django.utils import timezone

from bip.accounts.access import scoped_get
from bip.accounts.models import Membership, Role, Team, Unit, User
from bip.accounts.scoping import scope_for
from bip.jobs.models import Job
from citizens.models import Citizen
from citizens.selectors import citizen_list
from measurements.models import AssociationSnapshot
from measurements.scoring.associations import KIND as ASSOCIATIONS_JOB
from measurements.selectors import SORTS, caseload_list
from reports.aggregates import KIND as DASHBOARDS_JOB
from reports.models import DashboardCell, DashboardMember, DashboardRefresh


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


# --- The case-worker comparison (team leaders) ---


def led_team_get(*, viewer: User, pk: Any) -> Team:
    """A team the viewer leads, else 404 with the denial logged."""
    return scoped_get(led_teams(viewer=viewer), pk, viewer=viewer)


def refresh_quarters(*, refresh: DashboardRefresh) -> list[date]:
    """The quarters a refresh has figures for, oldest first."""
    return list(
        DashboardCell.objects.filter(refresh=refresh)
        .values_list("quarter", flat=True)
        .distinct()
        .order_by("quarter")
    )


@dataclass(frozen=True)
class CaseworkerSums:
    """A case worker's observed-against-expected sums over the quarters asked for,
    and the citizens behind their rounds."""

    caseworker: User
    citizens: int
    oe: dict[str, dict[str, float]]


def comparison_sums(
    *, refresh: DashboardRefresh, team: Team, first: date, last: date
) -> list[CaseworkerSums]:
    """Per case worker who had rounds in the team in the quarters first..last ("at
    the time"), the sums of their cells (three queries, whatever the number of
    rounds). The caller has checked that the viewer leads the team."""
    cells = DashboardCell.objects.filter(
        refresh=refresh,
        team=team,
        quarter__range=(first, last),
        caseworker__isnull=False,
    )
    sums: dict[int, dict[str, dict[str, float]]] = {}
    for caseworker_id, oe in cells.values_list("caseworker_id", "oe"):
        into = sums.setdefault(caseworker_id, {})
        for measure, figures in oe.items():
            total = into.setdefault(measure, dict.fromkeys(figures, 0.0))
            for name, value in figures.items():
                total[name] = total.get(name, 0.0) + value
    citizens = dict(
        DashboardMember.objects.filter(cell__in=cells, figure="done")
        .values_list("cell__caseworker_id")
        .annotate(n=Count("citizen_id", distinct=True))
        .values_list("cell__caseworker_id", "n")
    )
    users = User.objects.filter(pk__in=sorted(sums)).order_by(
        "first_name", "last_name", "pk"
    )
    return [
        CaseworkerSums(caseworker=u, citizens=citizens.get(u.pk, 0), oe=sums[u.pk])
        for u in users
    ]


# --- The dashboards (docs/dashboards.md): figures from the aggregate tables only ---


def dashboard_refresh(*, viewer: User) -> DashboardRefresh | None:
    """The newest refresh of the viewer's municipality (every figure's "as of")."""
    return (
        DashboardRefresh.objects.filter(
            municipality_id=scope_for(viewer).municipality_id
        )
        .select_related("model_version")
        .order_by("-computed_at", "-pk")
        .first()
    )


def dashboards_running(*, viewer: User) -> Job | None:
    """A running or waiting refresh, for the admin: a running one first (a refresh
    queued after saves may wait beside it)."""
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return None
    return (
        Job.objects.filter(
            municipality_id=scope.municipality_id,
            kind=DASHBOARDS_JOB,
            state__in=[Job.State.PENDING, Job.State.RUNNING],
        )
        .order_by(
            Case(When(state=Job.State.RUNNING, then=Value(0)), default=Value(1)), "pk"
        )
        .first()
    )


def dashboard_units(*, viewer: User, drill: bool = False) -> QuerySet[Unit]:
    """Job centres whose dashboard the viewer may open: every unit of the
    municipality for admins (and analysts, but not to drill down), a team leader's
    own job centre(s)."""
    scope = scope_for(viewer)
    units = Unit.objects.filter(municipality_id=scope.municipality_id).order_by("name")
    if scope.is_municipal_admin or (scope.is_analyst and not drill):
        return units
    return units.filter(pk__in=sorted(scope.led_unit_ids))


def dashboard_unit_get(*, viewer: User, pk: Any, drill: bool = False) -> Unit:
    return scoped_get(dashboard_units(viewer=viewer, drill=drill), pk, viewer=viewer)


def dashboard_teams(*, viewer: User, drill: bool = False) -> QuerySet[Team]:
    """Teams whose dashboard the viewer may open: every team for admins (and
    analysts, but not to drill down), the teams a team leader leads."""
    scope = scope_for(viewer)
    teams = (
        Team.objects.filter(municipality_id=scope.municipality_id)
        .select_related("unit")
        .order_by("name")
    )
    if scope.is_municipal_admin or (scope.is_analyst and not drill):
        return teams
    return teams.filter(pk__in=sorted(scope.led_team_ids))


def unit_teams(*, viewer: User, unit: Unit) -> QuerySet[Team]:
    """Every team of a job centre whose dashboard the viewer may open (the unit is
    in scope): its teams' totals are aggregates, suppressed for a team leader."""
    return Team.objects.filter(
        unit_id=unit.pk, municipality_id=scope_for(viewer).municipality_id
    ).order_by("name")


def dashboard_team_get(*, viewer: User, pk: Any, drill: bool = False) -> Team:
    return scoped_get(dashboard_teams(viewer=viewer, drill=drill), pk, viewer=viewer)


def dashboard_caseworkers(*, viewer: User) -> QuerySet[User]:
    """Case workers whose figures the viewer may see: anyone who has been a case
    worker in the municipality for admins, in a led team for team leaders, oneself
    for a case worker; nobody for analysts (aggregates only)."""
    scope = scope_for(viewer)
    caseworkers = Membership.objects.filter(
        municipality_id=scope.municipality_id, role=Role.CASEWORKER
    )
    if scope.is_municipal_admin:
        ids = caseworkers.values("user_id")
    elif scope.led_team_ids:
        ids = caseworkers.filter(team_id__in=sorted(scope.led_team_ids)).values(
            "user_id"
        )
    else:
        ids = None
    users = User.objects.none()
    if ids is not None:
        users = User.objects.filter(pk__in=ids)
    if scope.is_caseworker:
        users = users | User.objects.filter(pk=viewer.pk)
    return users.order_by("first_name", "last_name", "pk")


def dashboard_caseworker_get(*, viewer: User, pk: Any) -> User:
    return scoped_get(dashboard_caseworkers(viewer=viewer), pk, viewer=viewer)


def _cells_q(*, viewer: User, level: str, obj: Any) -> dict[str, Any]:
    """The cells of a page: the unit's, the team's, or the case worker's (within the
    teams a team leader leads unless the viewer is the case worker or an admin)."""
    if level == "unit":
        return {"unit_id": obj.pk}
    if level == "team":
        return {"team_id": obj.pk}
    scope = scope_for(viewer)
    if scope.is_municipal_admin or obj.pk == viewer.pk:
        return {"caseworker_id": obj.pk}
    return {"caseworker_id": obj.pk, "team_id__in": sorted(scope.led_team_ids)}


def dashboard_cells(
    *, viewer: User, refresh: DashboardRefresh, level: str, obj: Any
) -> list[DashboardCell]:
    """Every cell of the page's unit, team or case worker in the refresh (one
    query; the page filters quarters and target groups from them)."""
    return list(
        DashboardCell.objects.filter(
            refresh=refresh,
            municipality_id=scope_for(viewer).municipality_id,
            **_cells_q(viewer=viewer, level=level, obj=obj),
        ).order_by("quarter", "pk")
    )


def dashboard_citizens(
    *,
    viewer: User,
    refresh: DashboardRefresh,
    level: str,
    obj: Any,
    figure: str,
    category: str,
    quarters: list[Any],
    target_group_id: int | None,
) -> QuerySet[Citizen]:
    """The citizens behind a figure (its members in the matching cells), within the
    viewer's citizen scope, in the caseload's order by name: the plain citizens,
    for paging over their keys (dashboard_citizen_rows reads a page's rows as the
    caseload lists them). Without the caseload's annotations, and the join they
    bring, PostgreSQL matches the members against the citizens in scope with one
    hash instead of looking up each member's citizen: half the time at 10,000
    citizens behind a number."""
    cells = DashboardCell.objects.filter(
        refresh=refresh,
        municipality_id=scope_for(viewer).municipality_id,
        quarter__in=quarters,
        **_cells_q(viewer=viewer, level=level, obj=obj),
    )
    if target_group_id:
        cells = cells.filter(target_group_id=target_group_id)
    members = DashboardMember.objects.filter(
        cell__in=cells, figure=figure, category=category
    ).values("citizen_id")
    in_scope = citizen_list(viewer=viewer)
    return in_scope.filter(pk__in=members).order_by(*SORTS["name"])


def dashboard_citizen_rows(
    *, viewer: User, keys: list[int], today: Any, model_version_id: int | None
) -> QuerySet[Citizen]:
    """The rows of a page of dashboard_citizens: the citizens of `keys` as the
    caseload lists them, within the viewer's citizen scope (the members' filter chose
    the keys; reading it again would scan every member of the cells)."""
    return (
        caseload_list(
            viewer=viewer,
            today=today,
            mine=False,
            sort="name",
            model_version_id=model_version_id,
        )
        .select_related("team", "caseworker")
        .filter(pk__in=keys)
    )

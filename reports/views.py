from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import (
    get_scoped_or_404,
    is_municipal_admin,
    is_team_leader,
    role_required,
    sees_statistics,
)
from bip.accounts.models import Membership, Role, Team, Unit
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from citizens.models import Citizen
from citizens.selectors import citizen_list
from reports.suppression import suppress, suppress_total


@role_required(is_team_leader)
def team(request: HttpRequest) -> HttpResponse:
    """The team leader's start page: the teams they lead, caseloads per case worker."""
    scope = scope_for(request.user)
    today = timezone.localdate()
    teams = (
        Team.objects.filter(pk__in=scope.led_team_ids)
        .select_related("unit")
        .order_by("name")
    )
    counts = dict(
        citizen_list(viewer=request.user)
        .filter(team__in=teams)
        .values_list("caseworker_id")
        .annotate(n=Count("pk"))
        .values_list("caseworker_id", "n")
    )
    members = (
        Membership.objects.current(today)
        .filter(team__in=teams, role=Role.CASEWORKER)
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    )
    rows: dict[int, list[dict[str, object]]] = {t.pk: [] for t in teams}
    for m in members:
        rows[m.team_id].append({"user": m.user, "citizens": counts.get(m.user_id, 0)})
    unassigned = counts.get(None, 0)
    record(actor=request.user, action="team.overview", purpose=Purpose.FOLLOW_UP)
    return render(
        request,
        "reports/team.html",
        {"teams": [(t, rows[t.pk]) for t in teams], "unassigned": unassigned},
    )


@role_required(sees_statistics)
def overview(request: HttpRequest) -> HttpResponse:
    """Aggregates for the whole municipality, small cells suppressed."""
    scope = scope_for(request.user)
    per_team = dict(
        Citizen.objects.filter(
            municipality_id=scope.municipality_id, team__isnull=False
        )
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    teams = list(
        Team.objects.filter(municipality_id=scope.municipality_id)
        .select_related("unit")
        .order_by("unit__name", "name")
    )
    cells = suppress({t.pk: per_team.get(t.pk, 0) for t in teams})
    total = sum(per_team.values())
    record(actor=request.user, action="statistics.view", purpose=Purpose.STATISTICS)
    return render(
        request,
        "reports/overview.html",
        {
            "rows": [(t, cells[t.pk]) for t in teams],
            "total": suppress_total(total),
        },
    )


def _association_units(scope: Any) -> QuerySet[Unit]:
    """Units whose associations the viewer may see: a team leader's own job centre(s);
    the whole municipality's for admins and analysts."""
    units = Unit.objects.filter(municipality_id=scope.municipality_id)
    if scope.is_municipal_admin or scope.is_analyst:
        return units
    return units.filter(pk__in=sorted(scope.led_unit_ids))


def sees_associations(scope: Any) -> bool:
    return scope.is_team_leader or scope.is_municipal_admin or scope.is_analyst


@role_required(sees_associations)
def associations(request: HttpRequest) -> HttpResponse:
    """Progression in the next round by intervention mix and type (associations, not
    effects), for the municipality or one unit, small cells suppressed."""
    from measurements.models import AssociationSnapshot
    from measurements.scoring.associations import latest_snapshot
    from reports.associations import association_tables, unit_masks

    scope = scope_for(request.user)
    units = list(_association_units(scope).order_by("name"))
    whole = scope.is_municipal_admin or scope.is_analyst
    unit = None
    if request.GET.get("unit"):
        unit = get_scoped_or_404(
            request, _association_units(scope), request.GET["unit"]
        )
    elif not whole:
        unit = units[0] if units else None
    snapshot = (
        latest_snapshot(
            municipality_id=scope.municipality_id, unit_id=unit.pk if unit else None
        )
        if unit is not None or whole
        else None
    )
    masked: set[Any] = set()
    if snapshot is not None and unit is not None:
        # every unit's counts: a small one must not follow from the others' and the
        # municipality's
        siblings = list(
            AssociationSnapshot.objects.filter(
                municipality_id=scope.municipality_id, unit__isnull=False
            ).order_by("unit_id")
        )
        ids = [s.pk for s in siblings]
        if snapshot.pk in ids:
            masked = unit_masks([s.data for s in siblings])[ids.index(snapshot.pk)]
    record(
        actor=request.user,
        action="statistics.associations",
        purpose=Purpose.STATISTICS,
        object_type="unit" if unit else "municipality",
        object_id=unit.pk if unit else scope.municipality_id,
    )
    from bip.jobs.models import Job

    job = (
        Job.objects.filter(
            municipality_id=scope.municipality_id,
            kind="scores.associations",
            state__in=[Job.State.PENDING, Job.State.RUNNING],
        ).first()
        if scope.is_municipal_admin
        else None
    )
    return render(
        request,
        "reports/associations.html",
        {
            "units": units,
            "unit": unit,
            "whole": whole,
            "snapshot": snapshot,
            "tables": association_tables(snapshot.data, masked) if snapshot else None,
            "can_compute": scope.is_municipal_admin,
            "job": job,
        },
    )


@role_required(is_municipal_admin)
@require_POST
def associations_compute(request: HttpRequest) -> HttpResponse:
    from measurements.scoring.associations import associations_request

    scope = scope_for(request.user)
    with transaction.atomic():
        associations_request(municipality_id=scope.municipality_id, by=request.user)
    messages.success(request, _("The associations are being computed."))
    return redirect("reports:associations")

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from measurements.scoring.associations import associations_request, latest_snapshot
from reports.associations import association_tables, unit_masks
from reports.selectors import (
    association_unit_get,
    association_units,
    associations_running,
    citizens_per_team,
    led_teams,
    team_caseloads,
    unit_snapshots,
)
from reports.suppression import suppress, suppress_total


@role_required(Can.LEAD)
def team(request: HttpRequest) -> HttpResponse:
    """The team leader's start page: the teams they lead, caseloads per case worker."""
    teams = list(led_teams(viewer=request.user))
    rows = team_caseloads(viewer=request.user, teams=teams)
    unassigned = rows[None][0]["citizens"]
    record(actor=request.user, action="team.overview", purpose=Purpose.FOLLOW_UP)
    return render(
        request,
        "reports/team.html",
        {"teams": [(t, rows[t.pk]) for t in teams], "unassigned": unassigned},
    )


@role_required(Can.STATISTICS)
def overview(request: HttpRequest) -> HttpResponse:
    """Aggregates for the whole municipality, small cells suppressed."""
    teams, per_team = citizens_per_team(viewer=request.user)
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


@role_required(Can.PROGRESSION)
def associations(request: HttpRequest) -> HttpResponse:
    """Progression in the next round by intervention mix and type (associations, not
    effects), for the municipality or one unit, small cells suppressed."""
    scope = scope_for(request.user)
    units = list(association_units(viewer=request.user).order_by("name"))
    whole = scope.is_municipal_admin or scope.is_analyst
    unit = None
    if request.GET.get("unit"):
        unit = association_unit_get(viewer=request.user, pk=request.GET["unit"])
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
        siblings = unit_snapshots(viewer=request.user)
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
            "job": associations_running(viewer=request.user),
        },
    )


@role_required(Can.ADMINISTER)
@require_POST
def associations_compute(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    with transaction.atomic():
        associations_request(municipality_id=scope.municipality_id, by=request.user)
    messages.success(request, _("The associations are being computed."))
    return redirect("reports:associations")

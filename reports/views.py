from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bip.accounts.access import is_team_leader, role_required, sees_statistics
from bip.accounts.models import Membership, Role, Team
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

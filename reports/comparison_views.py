from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.audit.models import Purpose
from bip.audit.services import record
from reports.caseworkers import measures, quarter_label
from reports.forms import QuarterRangeForm
from reports.selectors import (
    comparison_sums,
    dashboard_refresh,
    led_team_get,
    refresh_quarters,
)


@role_required(Can.LEAD)
def caseworkers(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's case workers compared, observed against expected, for the team's
    leader only (other teams answer 404). Figures come from the dashboards' stored
    sums; a case worker with fewer than 5 citizens shows no figure."""
    team = led_team_get(viewer=request.user, pk=pk)
    refresh = dashboard_refresh(viewer=request.user)
    quarters = refresh_quarters(refresh=refresh) if refresh else []
    form = QuarterRangeForm(request.GET, quarters=quarters)
    period = form.period()
    results = None
    if refresh is not None and period is not None:
        results = measures(
            comparison_sums(refresh=refresh, team=team, first=period[0], last=period[1])
        )
    record(
        actor=request.user,
        action="statistics.caseworkers",
        purpose=Purpose.FOLLOW_UP,
        object_type="team",
        object_id=team.pk,
    )
    return render(
        request,
        "reports/caseworkers.html",
        {
            "team": team,
            "refresh": refresh,
            "form": form,
            "period": [quarter_label(q) for q in period] if period else None,
            "measures": results,
        },
        status=200,
    )

"""PDF downloads: the citizen's summary (for whoever may read the citizen) and a job
centre's quarterly report (its team leaders and the municipal admins). Each is
audited and never stored by a browser or proxy."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from citizens.selectors import citizen_get
from reports.caseworkers import quarter_label
from reports.dashboards import breakdown, figures
from reports.pdf import citizen as citizen_pdf
from reports.pdf import quarterly as quarterly_pdf
from reports.selectors import (
    dashboard_cells,
    dashboard_refresh,
    dashboard_unit_get,
    unit_teams,
)

QUARTER = re.compile(r"^(\d{4})-([1-4])$")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def citizen_language(citizen: object, fallback: str) -> str:
    """The citizen's own language where the product has it, else the user's."""
    preferred = getattr(citizen, "preferred_language", "") or ""
    return preferred if preferred in dict(settings.LANGUAGES) else fallback


@role_required(Can.PEOPLE)
def citizen_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary to hand the citizen after a conversation, in their language."""
    citizen = citizen_get(viewer=request.user, pk=pk)
    record(
        actor=request.user,
        action="citizen.summary_pdf",
        obj=citizen,
        citizen_ids=[citizen.pk],
        purpose=Purpose.CASEWORK,
    )
    today = timezone.localdate()
    language = citizen_language(citizen, translation.get_language() or "da")
    with translation.override(language):
        content = citizen_pdf.render(citizen_pdf.gather(citizen=citizen, today=today))
        stem = _("summary")
    return pdf_response(content, f"{stem}-{citizen.pk}-{today.isoformat()}.pdf")


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def parse_quarter(text: str) -> date | None:
    """ "2025-2" is the quarter starting 1 April 2025; anything else None."""
    match = QUARTER.match(text)
    if not match:
        return None
    year, number = int(match[1]), int(match[2])
    if year < 2000 or year > 2100:
        return None
    return date(year, 3 * (number - 1) + 1, 1)


@role_required(Can.QUARTERLY)
def unit_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A job centre's quarterly report (`?quarter=2025-2`; by default the latest
    quarter up to today with figures): the job centre's dashboard for that quarter,
    the same numbers with the same small cells hidden, as a PDF."""
    viewer: Any = request.user
    # a team leader's own job centre(s), every job centre for an admin
    unit = dashboard_unit_get(viewer=viewer, pk=pk, drill=True)
    today = timezone.localdate()
    asked = request.GET.get("quarter", "").strip()
    quarter = parse_quarter(asked) if asked else None
    if asked and quarter is None:
        return HttpResponseBadRequest(
            _("Choose the quarter as year and quarter, for example 2025-2."),
            content_type="text/plain; charset=utf-8",
        )
    refresh = dashboard_refresh(viewer=viewer)
    every = (
        dashboard_cells(viewer=viewer, refresh=refresh, level="unit", obj=unit)
        if refresh
        else []
    )
    if quarter is None:
        past = sorted({c.quarter for c in every if c.quarter <= today})
        quarter = past[-1] if past else quarter_start(today)
    cells = [c for c in every if c.quarter == quarter]
    # as the job centre's dashboard: small cells hidden unless the viewer is an
    # admin, who may see every citizen behind the figures
    suppressed = not scope_for(viewer).is_municipal_admin
    teams = []
    if cells:
        parts = breakdown(cells, by="team_id", suppressed=suppressed)
        for team in unit_teams(viewer=viewer, unit=unit):
            if team.pk in parts:
                teams.append((team.name, parts[team.pk]))
    report = quarterly_pdf.Report(
        unit=unit.name,
        quarter=quarter_label(quarter),
        today=today,
        as_of=timezone.localtime(refresh.computed_at) if refresh else None,
        suppressed=suppressed,
        figures=figures(cells, [quarter], suppressed=suppressed) if cells else [],
        teams=teams,
    )
    record(
        actor=viewer,
        action="dashboard.report_pdf",
        purpose=Purpose.FOLLOW_UP
        if scope_for(viewer).is_team_leader
        else Purpose.STATISTICS,
        obj=unit,
    )
    content = quarterly_pdf.render(report)
    number = (quarter.month - 1) // 3 + 1
    stem = _("quarterly-report")
    return pdf_response(content, f"{stem}-{unit.pk}-{quarter.year}-{number}.pdf")

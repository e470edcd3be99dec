"""What a dashboard shows, for the pages and the API alike (docs/dashboards.md): the
viewer's cells of the latest refresh within the filters, the figures, whether small
cells are hidden, and the "where to look" breakdown. Only the aggregate tables are
read; scope is the selectors' (the viewer is passed on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bip.accounts.models import User
from bip.accounts.scoping import Scope, scope_for
from bip.audit.models import Purpose
from citizens.selectors import target_group_list
from reports.dashboards import Figure, Part, breakdown, figures
from reports.forms import DashboardFilter
from reports.models import DashboardRefresh
from reports.selectors import (
    dashboard_caseworkers,
    dashboard_cells,
    dashboard_refresh,
    dashboard_teams,
    unit_teams,
)

FILTER_KEYS = ("quarter_from", "quarter_to", "target_group")


def purpose(scope: Scope) -> str:
    """The audit log's purpose of reading a dashboard."""
    if scope.is_team_leader or scope.is_caseworker:
        return Purpose.FOLLOW_UP
    return Purpose.STATISTICS


def suppressed_for(scope: Scope, level: str) -> bool:
    """Small cells are hidden where the viewer may not see every citizen behind the
    page: for analysts everywhere, for team leaders on the job centre's totals."""
    if scope.is_municipal_admin:
        return False
    if scope.is_analyst and not scope.is_team_leader:
        return True
    return level == "unit"


def filter_form(data: Any, quarters: list[date]) -> DashboardFilter:
    """The filter bound to `data` when it names a filter, else unbound (defaults)."""
    groups = [(tg.pk, str(tg)) for tg in target_group_list()]
    given = data if data is not None and any(k in data for k in FILTER_KEYS) else None
    return DashboardFilter(given, quarters=quarters, target_groups=groups)


@dataclass
class PartRow:
    """One team of a job centre, or one case worker of a team."""

    key: Any
    label: str
    url: str  # the part's own dashboard page, where the viewer may open it
    part: Part


@dataclass
class DashboardContent:
    level: str
    obj: Any
    refresh: DashboardRefresh | None
    form: DashboardFilter
    quarters: list[date]  # the quarters shown
    target_group: int | None
    suppressed: bool
    figures: list[Figure]
    cells: list[Any] = field(default_factory=list)


def dashboard_content(
    *, viewer: Any, level: str, obj: Any, data: Any
) -> DashboardContent:
    """The figures of one dashboard (a unit, a team or a case worker) for the
    viewer, within the filters in `data` (a query dict; wrong input: the defaults,
    with the form's errors)."""
    scope = scope_for(viewer)
    refresh = dashboard_refresh(viewer=viewer)
    every = (
        dashboard_cells(viewer=viewer, refresh=refresh, level=level, obj=obj)
        if refresh
        else []
    )
    quarters = sorted({c.quarter for c in every})
    form = filter_form(data, quarters)
    chosen, target_group = form.selection()
    cells = [
        c
        for c in every
        if c.quarter in chosen
        and (target_group is None or c.target_group_id == target_group)
    ]
    suppressed = suppressed_for(scope, level)
    return DashboardContent(
        level=level,
        obj=obj,
        refresh=refresh,
        form=form,
        quarters=chosen,
        target_group=target_group,
        suppressed=suppressed,
        figures=figures(cells, chosen, suppressed=suppressed),
        cells=cells,
    )


def dashboard_parts(*, viewer: User, content: DashboardContent) -> list[PartRow]:
    """A job centre's teams or a team's case workers, each with its figures and a
    link to its own dashboard where the viewer may open it."""
    level, obj, cells = content.level, content.obj, content.cells
    if level == "unit":
        figures_by = breakdown(cells, by="team_id", suppressed=content.suppressed)
        opens = set(dashboard_teams(viewer=viewer).values_list("pk", flat=True))
        rows = []
        for team in unit_teams(viewer=viewer, unit=obj):
            part = figures_by.get(team.pk)
            if part is None:
                continue
            url = (
                reverse("reports:dashboard_team", args=[team.pk])
                if team.pk in opens
                else ""
            )
            rows.append(PartRow(team.pk, team.name, url, part))
        return rows
    if level == "team":
        figures_by = breakdown(cells, by="caseworker_id", suppressed=content.suppressed)
        people = {u.pk: u for u in dashboard_caseworkers(viewer=viewer)}
        rows = []
        for key, part in sorted(
            figures_by.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)
        ):
            user = people.get(key)
            if key is None:
                label, url = _("Without a case worker"), ""
            elif user is None:
                # a case worker the viewer may not open: no name, no link
                key, label, url = None, _("Another case worker"), ""
            else:
                label = user.get_full_name() or user.username
                url = reverse("reports:dashboard_caseworker", args=[user.pk])
            rows.append(PartRow(key, label, url, part))
        return rows
    return []

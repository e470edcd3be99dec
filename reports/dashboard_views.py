"""The dashboards of a job centre, a team and a case worker (docs/dashboards.md): the
figures of the latest refresh's aggregate cells, each as a chart and a table with a
CSV, every shown count linking to the citizens behind it within the viewer's scope."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import role_required
from bip.accounts.roles import Can, can
from bip.accounts.scoping import Scope, scope_for
from bip.audit.services import record
from bip.db import from_days
from bip.jobs.models import Job
from bip.paging import page_of
from bip.tabular import write_csv
from reports.aggregates import CLASSES, OUTCOME_KINDS, P12_BINS, dashboards_request
from reports.dashboard_content import (
    FILTER_KEYS,
    dashboard_content,
    dashboard_parts,
    filter_form,
    purpose,
)
from reports.dashboards import (
    CLASS_LABELS,
    DASH,
    OUTCOME_LABELS,
    Figure,
    csv_rows,
    mix_label,
    quarter_label,
)
from reports.forms import DashboardFilter
from reports.selectors import (
    dashboard_caseworker_get,
    dashboard_cells,
    dashboard_citizen_rows,
    dashboard_citizens,
    dashboard_refresh,
    dashboard_team_get,
    dashboard_unit_get,
    dashboard_units,
    dashboards_running,
)

PAGE_SIZE = 50
# the member figures a drill-down may name, with their categories
DRILLS: dict[str, set[str]] = {
    "done": {""},
    "due": {""},
    "class": set(CLASSES),
    "mix": {"none", "job_only", "job_parallel", "other_only"},
    # a progression class within a mix, e.g. "job_parallel.progress"
    "mixclass": {
        f"{m}.{k}"
        for m in ("none", "job_only", "job_parallel", "other_only")
        for k in CLASSES
    },
    "p12": {str(i) for i in range(P12_BINS)},
    "outcome": set(OUTCOME_KINDS),
}
LEVELS = ("unit", "team", "caseworker")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}


def _form(request: HttpRequest, quarters: list[date]) -> DashboardFilter:
    return filter_form(request.GET, quarters)


def _link(figs: list[Figure], base: str, filters: dict[str, str]) -> None:
    """Each shown count with citizens behind it gets its drill-down URL, in the
    table and on the chart's bar."""
    for fig in figs:
        for row in fig.rows:
            for n in row.cells:
                if n.drill:
                    n.url = _drill_url(base, n.drill, filters)
        for dataset in fig.chart.get("datasets", []):
            dataset["links"] = [
                _drill_url(base, tuple(d), filters) if d else None
                for d in dataset.pop("drill")
            ]


def _drill_url(base: str, drill: tuple[str, ...], filters: dict[str, str]) -> str:
    figure, category, quarter = drill
    params = {**filters, "figure": figure}
    if category:
        params["category"] = category
    if quarter:
        params["quarter"] = quarter
    return f"{base}?{urlencode(params)}"


def _strip(figs: list[Figure]) -> None:
    """No drill-down for this viewer: the numbers stay plain."""
    for fig in figs:
        for row in fig.rows:
            for n in row.cells:
                n.drill = None
        for dataset in fig.chart.get("datasets", []):
            dataset.pop("drill", None)
            dataset["links"] = [None] * len(dataset["data"])


def _page(request: HttpRequest, level: str, obj: Any) -> HttpResponse:
    viewer: Any = request.user
    scope = scope_for(viewer)
    content = dashboard_content(viewer=viewer, level=level, obj=obj, data=request.GET)
    refresh, form, chosen = content.refresh, content.form, content.quarters
    target_group, suppressed, figs = (
        content.target_group,
        content.suppressed,
        content.figures,
    )
    filters = _filters(request) if form.is_bound and form.is_valid() else {}
    drills = scope.sees_people
    if drills:
        _link(
            figs, reverse(f"reports:dashboard_{level}_citizens", args=[obj.pk]), filters
        )
    else:
        _strip(figs)
    object_type = "user" if level == "caseworker" else level
    if request.GET.get("format") == "csv":
        wanted = request.GET.get("figure", "")
        fig = next((f for f in figs if f.key == wanted), None)
        if fig is not None:
            record(
                actor=viewer,
                action="dashboard.csv",
                purpose=purpose(scope),
                object_type=object_type,
                object_id=obj.pk,
            )
            return _csv(fig, level, obj, plain=request.GET.get("dialect") == "plain")
    parts = dashboard_parts(viewer=viewer, content=content)
    record(
        actor=viewer,
        action="dashboard.view",
        purpose=purpose(scope),
        object_type=object_type,
        object_id=obj.pk,
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "level": level,
            "obj": obj,
            "refresh": refresh,
            "form": form,
            "filter_fields": _filter_fields(form, chosen, target_group),
            # the other job centres the viewer may open
            "units": list(dashboard_units(viewer=viewer)) if level == "unit" else [],
            "quarters": [quarter_label(q) for q in chosen],
            "figures": figs,
            "charts": {f.key: f.chart for f in figs},
            "parts": parts,
            "suppressed": suppressed,
            "drills": drills,
            "quarterly": _quarterly_url(scope, level, obj, chosen),
            "query": urlencode(filters),
            "associations": can(scope, Can.PROGRESSION),
            "caseload": scope.sees_people and level != "unit",
            **_refresh_context(viewer),
            # the case-worker comparison: for the team's leaders only
            "comparison": reverse("reports:comparison", args=[obj.pk])
            if level == "team" and obj.pk in scope.led_team_ids
            else "",
        },
    )


def _filter_fields(
    form: DashboardFilter, chosen: list[date], target_group: int | None
) -> list[tuple[Any, list[tuple[str, str, bool]]]]:
    """The filter's fields with what is shown selected: the quarters and target
    group the figures are for."""
    selected = {
        "quarter_from": chosen[0].isoformat() if chosen else "",
        "quarter_to": chosen[-1].isoformat() if chosen else "",
        "target_group": str(target_group or ""),
    }
    return [
        (
            form[name],
            [
                (str(value), str(label), str(value) == selected[name])
                for value, label in form.fields[name].choices
            ],
        )
        for name in FILTER_KEYS
    ]


def _quarterly_url(scope: Scope, level: str, obj: Any, chosen: list[date]) -> str:
    """The job centre's quarterly report (PDF) of the last quarter shown, for its
    team leaders and the admins."""
    if level != "unit" or not chosen or not can(scope, Can.QUARTERLY):
        return ""
    q = chosen[-1]
    url = reverse("reports:unit_report", args=[obj.pk])
    return f"{url}?quarter={q.year}-{(q.month - 1) // 3 + 1}"


def _csv(fig: Figure, level: str, obj: Any, *, plain: bool) -> HttpResponse:
    header, rows = csv_rows(fig)
    out = io.StringIO()
    if plain:
        write_csv(out, rows, header=header, delimiter=",", bom=False)
    else:  # Danish Excel: semicolons, a BOM and decimal commas
        write_csv(out, rows, header=header)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"dashboard-{level}-{obj.pk}-{fig.key}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(Can.DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The viewer's dashboard: a team leader's job centre; for admins and analysts
    the job centres to choose from."""
    scope = scope_for(request.user)
    units = list(dashboard_units(viewer=request.user))
    if scope.is_team_leader and not scope.is_municipal_admin and units:
        return _page(request, "unit", units[0])
    refresh = dashboard_refresh(viewer=request.user)
    record(
        actor=request.user,
        action="dashboard.index",
        purpose=purpose(scope),
    )
    return render(
        request,
        "reports/dashboard_index.html",
        {
            "units": units,
            "refresh": refresh,
            **_refresh_context(request.user),
        },
    )


def _refresh_context(viewer: Any) -> dict[str, Any]:
    """The admin's button, a refresh under way (or due), or when the one that waits
    out its quiet period will run, and how often saves refresh."""
    job = dashboards_running(viewer=viewer)
    waiting_until = None
    if (
        job is not None
        and job.state == Job.State.PENDING
        and job.not_before is not None
        and job.not_before > timezone.now()
    ):
        job, waiting_until = None, job.not_before
    return {
        "can_refresh": scope_for(viewer).is_municipal_admin,
        "job": job,
        "waiting_until": waiting_until,
        "delay_minutes": -(-settings.BIP_DASHBOARDS_DELAY // 60),
    }


@role_required(Can.OWN_FIGURES)
def dashboard_mine(request: HttpRequest) -> HttpResponse:
    return _page(request, "caseworker", request.user)


@role_required(Can.DASHBOARD)
def dashboard_unit(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, "unit", dashboard_unit_get(viewer=request.user, pk=pk))


@role_required(Can.DASHBOARD)
def dashboard_team(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, "team", dashboard_team_get(viewer=request.user, pk=pk))


@role_required(Can.FIGURES)
def dashboard_caseworker(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(
        request, "caseworker", dashboard_caseworker_get(viewer=request.user, pk=pk)
    )


@role_required(Can.ADMINISTER)
@require_POST
def dashboard_refresh_request(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    with transaction.atomic():
        dashboards_request(municipality_id=scope.municipality, by=request.user)
    messages.success(request, _("The dashboards are being computed."))
    return redirect("reports:dashboard")


# --- Drill-down: the citizens behind a number ---


def _citizens(request: HttpRequest, level: str, obj: Any) -> HttpResponse:
    viewer: Any = request.user
    scope = scope_for(viewer)
    refresh = dashboard_refresh(viewer=viewer)
    figure = request.GET.get("figure", "")
    category = request.GET.get("category", "")
    quarter = request.GET.get("quarter", "")
    every = (
        dashboard_cells(viewer=viewer, refresh=refresh, level=level, obj=obj)
        if refresh
        else []
    )
    quarters = sorted({c.quarter for c in every})
    form = _form(request, quarters)
    chosen, target_group = form.selection()
    error = ""
    if figure not in DRILLS or category not in DRILLS[figure]:
        error = _("Choose a number on the dashboard to see the citizens behind it.")
    elif quarter:
        try:
            day = date.fromisoformat(quarter)
        except ValueError:
            day = None
        if day not in quarters:
            error = _("There are no figures for that quarter.")
        else:
            chosen = [day]
    page = None
    rows: list[dict[str, Any]] = []
    if refresh and not error:
        today = timezone.localdate()
        qs = dashboard_citizens(
            viewer=viewer,
            refresh=refresh,
            level=level,
            obj=obj,
            figure=figure,
            category=category,
            quarters=chosen,
            target_group_id=target_group,
        )
        page = page_of(
            qs,
            request.GET.get("page"),
            PAGE_SIZE,
            rows=lambda keys: dashboard_citizen_rows(
                viewer=viewer,
                keys=keys,
                today=today,
                model_version_id=refresh.model_version_id,
            ),
        )
        rows = [{"citizen": c, "due": from_days(c.due_days)} for c in page.object_list]
    record(
        actor=viewer,
        action="dashboard.citizens",
        purpose=purpose(scope),
        object_type="user" if level == "caseworker" else level,
        object_id=obj.pk,
        citizen_ids=[r["citizen"].pk for r in rows],
    )
    params = {k: v for k, v in request.GET.items() if k != "page"}
    return render(
        request,
        "reports/dashboard_citizens.html",
        {
            "level": level,
            "obj": obj,
            "refresh": refresh,
            "error": error,
            "page": page,
            "rows": rows,
            "what": _drill_label(figure, category),
            "quarters": [quarter_label(q) for q in chosen],
            "back": reverse(
                "reports:dashboard_mine"
                if level == "caseworker" and obj.pk == viewer.pk
                else f"reports:dashboard_{level}",
                args=[] if level == "caseworker" and obj.pk == viewer.pk else [obj.pk],
            )
            + (f"?{urlencode(_filters(request))}" if _filters(request) else ""),
            "query": urlencode(params),
        },
    )


def _drill_label(figure: str, category: str) -> str:
    names = {
        "done": _("Rounds done"),
        "due": _("Rounds due"),
        "class": _("Progression class"),
        "mix": _("Interventions before the round"),
        "p12": _("Job probability"),
        "outcome": _("Outcome"),
    }
    label = names.get(figure, "")
    if figure == "class" and category in CLASS_LABELS:
        return f"{label}: {CLASS_LABELS[category]}"
    if figure == "outcome" and category in OUTCOME_LABELS:
        return f"{label}: {OUTCOME_LABELS[category]}"
    if figure == "mix":
        return f"{label}: {mix_label(category)}"
    if figure == "mixclass":
        mix, _dot, klass = category.partition(".")
        return f"{names['mix']}: {mix_label(mix)}, {CLASS_LABELS[klass]}"
    if figure == "p12" and category.isdigit():
        return f"{label}: {10 * int(category)}{DASH}{10 * int(category) + 10} %"
    return label


@role_required(Can.DASHBOARD)
def dashboard_unit_citizens(request: HttpRequest, pk: int) -> HttpResponse:
    unit = dashboard_unit_get(viewer=request.user, pk=pk, drill=True)
    return _citizens(request, "unit", unit)


@role_required(Can.DASHBOARD)
def dashboard_team_citizens(request: HttpRequest, pk: int) -> HttpResponse:
    team = dashboard_team_get(viewer=request.user, pk=pk, drill=True)
    return _citizens(request, "team", team)


@role_required(Can.FIGURES)
def dashboard_caseworker_citizens(request: HttpRequest, pk: int) -> HttpResponse:
    user = dashboard_caseworker_get(viewer=request.user, pk=pk)
    return _citizens(request, "caseworker", user)

"""The case worker's caseload and the citizen page. They compose citizens, their rounds
and scores, and their interventions, so they live here, above all three (DESIGN
section 0); their URLs keep the citizens' names (`citizens:caseload`,
`citizens:detail`), wired in bip/urls.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.db import days_since_epoch, from_days
from bip.paging import page_of
from citizens.selectors import citizen_enrolments, citizen_get, may_write
from interventions.mix import round_mixes, spans_by_enrolment
from interventions.selectors import citizen_episodes, citizen_outcomes
from interventions.timeline import axis_range
from interventions.timeline import build as build_timeline
from measurements.charts import citizen_chart_data
from measurements.scoring.display import citizen_scores, worklist
from measurements.scoring.versions import active_model
from measurements.selectors import caseload_list, caseworker_changes, citizen_rounds

PAGE_SIZE = 50
VIEWS = {"mine": gettext_lazy("My caseload"), "team": gettext_lazy("My teams")}
SORT_LABELS = {
    "due": gettext_lazy("Next due (overdue first)"),
    "name": gettext_lazy("Name"),
    "last": gettext_lazy("Latest round"),
}


@role_required(Can.PEOPLE)
def caseload(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    which = request.GET.get("view", "mine" if scope.is_caseworker else "team")
    if which not in VIEWS:
        which = "mine"
    sort = request.GET.get("sort", "due")
    sort = sort if sort in SORT_LABELS else "due"
    overdue_only = request.GET.get("overdue") == "1"
    # one of the viewer's teams (the dashboards link here); the list is scoped anyway,
    # so another team's id lists nobody
    team = request.GET.get("team", "")
    team_id = int(team) if team.isdigit() else None
    today = timezone.localdate()
    model = active_model(municipality_id=scope.municipality_id)
    qs = caseload_list(
        viewer=request.user,
        today=today,
        mine=which == "mine",
        sort=sort,
        overdue_only=overdue_only,
        team_id=team_id,
        model_version_id=model.pk,
    )
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    today_days = days_since_epoch(today)
    rows = [
        {
            "citizen": c,
            # a newer round than the score, or a score of another model: being
            # computed
            "pending": c.p12 is not None
            and (c.scored_round != c.last_round or c.scored_version != model.pk),
            "due": from_days(c.due_days),
            "overdue": c.due_days is not None and c.due_days < today_days,
            "days_overdue": (today_days - c.due_days)
            if c.due_days is not None
            else None,
        }
        for c in page.object_list
    ]
    record(
        actor=request.user,
        action="citizen.list",
        citizen_ids=[r["citizen"].pk for r in rows],
    )
    query = {
        "view": which,
        "sort": sort,
        **({"overdue": "1"} if overdue_only else {}),
        **({"team": str(team_id)} if team_id else {}),
    }
    return render(
        request,
        "measurements/caseload.html",
        {
            "page": page,
            "rows": rows,
            "which": which,
            "views": VIEWS,
            "heading": VIEWS[which],
            "model": model,
            "sort": sort,
            "sorts": SORT_LABELS,
            "overdue_only": overdue_only,
            "team_id": team_id,
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
        },
    )


@login_required  # the look-up decides: outside the viewer's scope, 404
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen page: rounds side by side, charts with the interventions on the
    same time axis, scores and what to work on. It only reads: scores and
    suggestions are stored by the recompute job."""
    citizen = citizen_get(viewer=request.user, pk=pk)
    record(
        actor=request.user,
        action="citizen.view",
        obj=citizen,
        citizen_ids=[citizen.pk],
        purpose=Purpose.CASEWORK,
    )
    enrolments = citizen_enrolments(citizen=citizen)
    rounds = citizen_rounds(citizen)
    episodes = citizen_episodes(citizen=citizen)
    dated = [r for r in rounds if r.round.round_date]
    mixes = round_mixes(
        [(r.round.enrolment_id, r.round.round_date) for r in dated],
        spans_by_enrolment(
            (e.enrolment_id, e.type.group, e.start, e.end) for e in episodes
        ),
    )
    for r, mix in zip(dated, mixes, strict=True):
        r.mix = mix
    lo, hi = axis_range([e.start for e in enrolments], timezone.localdate())
    round_dates = [r.round.round_date for r in dated]
    timeline = build_timeline(episodes=episodes, round_dates=round_dates, lo=lo, hi=hi)
    model = active_model(municipality_id=citizen.municipality_id)
    scores = citizen_scores(
        citizen=citizen, rounds=rounds, enrolments=enrolments, model=model
    )
    work = worklist(
        citizen=citizen,
        model=model,
        latest_round=scores["latest_round"],
        score=scores["latest"],
    )
    chart = citizen_chart_data(rounds, lo=lo, hi=hi)
    chart["probability"] = [
        {"x": p["x"], "y": round(p["p12"], 2)} for p in scores["series"]
    ]
    return render(
        request,
        "measurements/citizen.html",
        {
            "citizen": citizen,
            "can_write": may_write(viewer=request.user, citizen=citizen),
            "enrolments": enrolments,
            "enrolled": any(e.end is None for e in enrolments),
            "rounds": rounds,
            "open_round": next(
                (r.round for r in rounds if r.round.state == "open"), None
            ),
            "changes": caseworker_changes(citizen),
            "chart": chart,
            "scores": scores,
            "worklist": work,
            "episodes": episodes,
            "outcomes": citizen_outcomes(citizen=citizen),
            "timeline": timeline if (episodes or round_dates) else None,
        },
    )

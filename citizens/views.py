from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.accounts.access import get_scoped_or_404, role_required, sees_people
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.db import days_since_epoch, from_days
from bip.forms import form_errors_from, form_page
from citizens import cpr, services
from citizens.forms import AssignForm, CitizenCreateForm, CitizenEditForm, EnrolForm
from citizens.models import Citizen
from citizens.selectors import caseload as caseload_query
from citizens.selectors import citizen_list, citizen_search, duplicate_contact
from interventions.mix import Span, mix_of
from interventions.models import InterventionEpisode
from interventions.timeline import axis_range
from interventions.timeline import build as build_timeline

PAGE_SIZE = 50
VIEWS = {"mine": gettext_lazy("My caseload"), "team": gettext_lazy("My teams")}
SORT_LABELS = {
    "due": gettext_lazy("Next due (overdue first)"),
    "name": gettext_lazy("Name"),
    "last": gettext_lazy("Latest round"),
}


@role_required(sees_people)
def caseload(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    which = request.GET.get("view", "mine" if scope.is_caseworker else "team")
    if which not in VIEWS:
        which = "mine"
    sort = request.GET.get("sort", "due")
    sort = sort if sort in SORT_LABELS else "due"
    overdue_only = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    from measurements.scoring.services import active_model

    model = active_model(municipality_id=scope.municipality_id)
    qs = caseload_query(
        viewer=request.user,
        today=today,
        mine=which == "mine",
        sort=sort,
        overdue_only=overdue_only,
        model_version_id=model.pk,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
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
    query = {"view": which, "sort": sort, **({"overdue": "1"} if overdue_only else {})}
    return render(
        request,
        "citizens/caseload.html",
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
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
        },
    )


@role_required(sees_people)
def search(request: HttpRequest) -> HttpResponse:
    """Search by name or CPR within the user's scope. A POST: a CPR never in a URL."""
    text = request.POST.get("q", "").strip() if request.method == "POST" else ""
    results = None
    error = ""
    if request.method == "POST":
        if len(text) < 2:
            error = _("Type at least two characters of a name, or a CPR number.")
        else:
            results = list(
                citizen_search(viewer=request.user, text=text)
                .select_related("team", "caseworker")
                .order_by("name")[:100]
            )
            try:
                criterion = cpr.mask(cpr.parse(text, allow_nine_digits=True).digits)
            except cpr.CprError:
                criterion = f"name={text[:100]}"
            record(
                actor=request.user,
                action="citizen.search",
                citizen_ids=[c.pk for c in results],
                criterion_masked=criterion,
            )
    # a CPR typed into the box is not echoed back into the page
    shown = "" if text[:1].isdigit() else text
    return render(
        request,
        "citizens/search.html",
        {"results": results, "q": shown, "error": error},
    )


@role_required(sees_people)
def create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = CitizenCreateForm(request.POST or None, scope=scope, viewer=request.user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.citizen_create(
                municipality_id=scope.municipality_id,
                cpr_number=data["cpr_number"],
                name=data["name"],
                team=data["team"],
                caseworker=data["caseworker"],
                target_group=data["target_group"],
                enrolment_start=data["enrolment_start"],
                by=request.user,
                preferred_language=data["preferred_language"],
                phone=data["phone"],
                email=data["email"],
            )
        except services.DuplicateCitizen as exc:
            form_errors_from(exc, form)
            duplicate = duplicate_contact(viewer=request.user, citizen=exc.citizen)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            for warning in saved.warnings:
                messages.warning(request, warning)
            messages.success(request, _("The citizen is created."))
            return redirect("citizens:detail", pk=saved.citizen.pk)
    return render(
        request,
        "citizens/create.html",
        {"form": form, "title": _("New citizen"), "duplicate": duplicate},
    )


def _writable_citizen(request: HttpRequest, pk: int) -> Citizen:
    return get_scoped_or_404(
        request, citizen_list(viewer=request.user, action="write"), pk
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = _writable_citizen(request, pk)
    initial = {
        "cpr_number": citizen.cpr_clear(),
        "name": citizen.name,
        "preferred_language": citizen.preferred_language,
        "phone": citizen.phone,
        "email": citizen.email,
        "round_interval_days": citizen.round_interval_days,
    }
    if request.method == "GET":
        # the edit form shows the full number: a lookup of it, logged
        record(
            actor=request.user,
            action="citizen.cpr_view",
            obj=citizen,
            citizen_ids=[citizen.pk],
        )
    form = CitizenEditForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda d: services.citizen_update(citizen=citizen, by=request.user, **d),
        success=_("The citizen is saved."),
        redirect_to=reverse("citizens:detail", args=[citizen.pk]),
        context={
            "title": _("Edit %(name)s") % {"name": citizen.name},
            "citizen": citizen,
        },
    )


@login_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = _writable_citizen(request, pk)
    scope = scope_for(request.user)
    form = AssignForm(
        request.POST or None,
        scope=scope,
        initial={"team": citizen.team_id, "caseworker": citizen.caseworker_id},
    )
    return form_page(
        request,
        form,
        lambda d: services.assignment_change(citizen=citizen, by=request.user, **d),
        success=_("The responsible case worker is changed."),
        redirect_to=reverse("citizens:detail", args=[citizen.pk]),
        context={
            "title": _("Change case worker for %(name)s") % {"name": citizen.name},
            "citizen": citizen,
        },
    )


@login_required
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = _writable_citizen(request, pk)
    form = EnrolForm(
        request.POST or None,
        scope=scope_for(request.user),
        initial={"team": citizen.team_id, "caseworker": citizen.caseworker_id},
    )
    return form_page(
        request,
        form,
        lambda d: services.enrolment_create(citizen=citizen, by=request.user, **d),
        success=_("The citizen is enrolled again. The next round is the new baseline."),
        redirect_to=reverse("citizens:detail", args=[citizen.pk]),
        context={
            "title": _("Enrol %(name)s again") % {"name": citizen.name},
            "citizen": citizen,
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    from measurements.charts import citizen_chart_data
    from measurements.scoring.display import citizen_scores, worklist
    from measurements.scoring.services import active_model
    from measurements.selectors import caseworker_changes, citizen_rounds

    citizen = get_scoped_or_404(
        request,
        citizen_list(viewer=request.user).select_related("team", "caseworker"),
        pk,
    )
    record(
        actor=request.user,
        action="citizen.view",
        obj=citizen,
        citizen_ids=[citizen.pk],
        purpose=Purpose.CASEWORK,
    )
    can_write = (
        citizen_list(viewer=request.user, action="write").filter(pk=citizen.pk).exists()
    )
    enrolments = list(
        citizen.enrolments.select_related("team", "target_group").order_by("-start")
    )
    rounds = citizen_rounds(citizen)
    changes = caseworker_changes(citizen)
    open_round = next((r.round for r in rounds if r.round.state == "open"), None)
    episodes = list(
        InterventionEpisode.objects.filter(enrolment__citizen=citizen)
        .select_related("type")
        .order_by("start", "pk")
    )
    spans = [Span(e.type.group, e.start, e.end) for e in episodes]
    for r in rounds:  # the mix is per spell: only that spell's episodes count
        if r.round.round_date:
            own = [
                s
                for s, e in zip(spans, episodes, strict=True)
                if e.enrolment_id == r.round.enrolment_id
            ]
            r.mix = mix_of(own, r.round.round_date)
    lo, hi = axis_range([e.start for e in enrolments], timezone.localdate())
    round_dates = [r.round.round_date for r in rounds if r.round.round_date]
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
        "citizens/detail.html",
        {
            "citizen": citizen,
            "can_write": can_write,
            "enrolments": enrolments,
            "enrolled": any(e.end is None for e in enrolments),
            "rounds": rounds,
            "open_round": open_round,
            "changes": changes,
            "chart": chart,
            "scores": scores,
            "worklist": work,
            "episodes": episodes,
            "outcomes": citizen.outcomes.order_by("-date"),
            "timeline": timeline if (episodes or round_dates) else None,
        },
    )

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from bip.accounts.access import get_scoped_or_404, role_required, sees_people
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from citizens import cpr
from citizens.selectors import citizen_list, citizen_search

PAGE_SIZE = 50
VIEWS = {"mine": _("My caseload"), "team": _("My teams")}


@role_required(sees_people)
def caseload(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    which = request.GET.get("view", "mine" if scope.is_caseworker else "team")
    if which not in VIEWS:
        which = "mine"
    qs = citizen_list(viewer=request.user).select_related("team", "caseworker")
    if which == "mine":
        qs = qs.filter(caseworker=request.user) | qs.filter(
            pk__in=sorted(scope.granted_citizen_ids)
        )
    page = Paginator(qs.order_by("name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    record(
        actor=request.user,
        action="citizen.list",
        citizen_ids=[c.pk for c in page.object_list],
    )
    return render(
        request,
        "citizens/caseload.html",
        {"page": page, "which": which, "views": VIEWS, "heading": VIEWS[which]},
    )


@role_required(sees_people)
def search(request: HttpRequest) -> HttpResponse:
    """Search by name or CPR within the user's scope. A POST: a CPR never in a URL."""
    text = request.POST.get("q", "").strip() if request.method == "POST" else ""
    results = None
    error = ""
    if request.method == "POST":
        if len(text) < 2:
            error = str(_("Type at least two characters of a name, or a CPR number."))
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


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
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
    return render(
        request, "citizens/detail.html", {"citizen": citizen, "can_write": can_write}
    )

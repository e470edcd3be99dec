from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.audit.services import record
from bip.forms import form_errors_from, form_page
from citizens import cpr, services
from citizens.forms import AssignForm, CitizenCreateForm, CitizenEditForm, EnrolForm
from citizens.selectors import citizen_get, citizen_search, duplicate_contact


@role_required(Can.PEOPLE)
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


@role_required(Can.PEOPLE)
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


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = citizen_get(viewer=request.user, pk=pk, action="write")
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


def _placement(
    request: HttpRequest,
    pk: int,
    form_class: type[AssignForm] | type[EnrolForm],
    save: Callable[..., object],
    success: str,
    title: str,
) -> HttpResponse:
    """A change of case worker or a new enrolment: the same form page and flow."""
    citizen = citizen_get(viewer=request.user, pk=pk, action="write")
    form = form_class(
        request.POST or None,
        scope=scope_for(request.user),
        initial={"team": citizen.team_id, "caseworker": citizen.caseworker_id},
    )
    return form_page(
        request,
        form,
        lambda d: save(citizen=citizen, by=request.user, **d),
        success=success,
        redirect_to=reverse("citizens:detail", args=[citizen.pk]),
        context={"title": title % {"name": citizen.name}, "citizen": citizen},
    )


@login_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _placement(
        request,
        pk,
        AssignForm,
        services.assignment_change,
        _("The responsible case worker is changed."),
        _("Change case worker for %(name)s"),
    )


@login_required
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    return _placement(
        request,
        pk,
        EnrolForm,
        services.enrolment_create,
        _("The citizen is enrolled again. The next round is the new baseline."),
        _("Enrol %(name)s again"),
    )

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.forms import form_errors_from, form_page
from citizens.selectors import citizen_get, citizen_list
from interventions import services
from interventions.forms import EpisodeForm, OutcomeForm, StartManyForm, TypeForm
from interventions.models import InterventionType
from interventions.selectors import (
    episode_get,
    own_type_get,
    own_type_list,
    type_list,
)


@login_required
def episode_create(request: HttpRequest, citizen_pk: int) -> HttpResponse:
    citizen = citizen_get(viewer=request.user, pk=citizen_pk, action="write")
    form = EpisodeForm(request.POST or None, types=type_list(viewer=request.user))
    return form_page(
        request,
        form,
        lambda d: services.episode_create(citizen=citizen, by=request.user, **d),
        success=_("The intervention is saved."),
        redirect_to=reverse("citizens:detail", args=[citizen.pk]),
        context={"title": _("New intervention"), "citizen": citizen},
    )


@login_required
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = episode_get(viewer=request.user, pk=pk, action="write")
    citizen = episode.enrolment.citizen
    initial = {
        f: getattr(episode, f)
        for f in ("type", "start", "end", "provider", "hours_per_week", "note")
    }
    form = EpisodeForm(
        request.POST or None, types=type_list(viewer=request.user), initial=initial
    )
    return form_page(
        request,
        form,
        lambda d: services.episode_update(episode=episode, by=request.user, **d),
        success=_("The intervention is saved."),
        redirect_to=reverse("citizens:detail", args=[citizen.pk]),
        context={"title": _("Edit intervention"), "citizen": citizen},
    )


@role_required(Can.PEOPLE)
def start_many(request: HttpRequest) -> HttpResponse:
    """Start one intervention for several citizens of a team at once."""
    citizens = (
        citizen_list(viewer=request.user, action="write")
        .filter(enrolments__end__isnull=True)
        .order_by("name")
    )
    form = StartManyForm(
        request.POST or None, types=type_list(viewer=request.user), citizens=citizens
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, refused = services.episode_start_many(
            citizens=list(data["citizens"]),
            type=data["type"],
            start=data["start"],
            end=data["end"],
            provider=data["provider"],
            by=request.user,
        )
        if refused:
            for citizen, reason in refused:
                form.add_error(None, f"{citizen.name}: {reason}")
            form.add_error(
                None, _("Nothing was saved. Remove or correct the citizens above.")
            )
        else:
            messages.success(
                request,
                _("The intervention is started for %(n)s citizens.")
                % {"n": len(created)},
            )
            return redirect("citizens:caseload")
    return render(request, "interventions/start_many.html", {"form": form})


@login_required
def outcome_create(request: HttpRequest, citizen_pk: int) -> HttpResponse:
    citizen = citizen_get(viewer=request.user, pk=citizen_pk, action="write")
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _outcome, created = services.outcome_record(
                citizen=citizen,
                kind=form.cleaned_data["kind"],
                day=form.cleaned_data["date"],
                by=request.user,
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            if created:
                messages.success(request, _("The outcome is saved."))
            else:
                messages.info(
                    request,
                    _(
                        "The same outcome was already recorded within 14 days: kept as one event."
                    ),
                )
            return redirect("citizens:detail", pk=citizen.pk)
    return render(
        request,
        "form_page.html",
        {"form": form, "citizen": citizen, "title": _("Record an outcome")},
    )


@role_required(Can.ADMINISTER)
def catalogue(request: HttpRequest) -> HttpResponse:
    types = type_list(viewer=request.user).order_by("group", "label_da")
    own = own_type_list(viewer=request.user).exists()
    record(
        actor=request.user,
        action="catalogue.view",
        purpose=Purpose.ADMINISTRATION,
        object_type="catalogue",
    )
    return render(request, "interventions/catalogue.html", {"types": types, "own": own})


@role_required(Can.ADMINISTER)
@require_POST
def catalogue_copy(request: HttpRequest) -> HttpResponse:
    n = services.catalogue_copy(
        municipality_id=scope_for(request.user).municipality_id, by=request.user
    )
    if n:
        messages.success(request, _("The catalogue is copied. You can now edit it."))
    return redirect("interventions:catalogue")


@role_required(Can.ADMINISTER)
def type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scope = scope_for(request.user)
    instance = (
        own_type_get(viewer=request.user, pk=pk)
        if pk
        else InterventionType(municipality_id=scope.municipality_id)
    )
    if pk is None and not own_type_list(viewer=request.user).exists():
        messages.error(request, _("Copy the catalogue to your municipality first."))
        return redirect("interventions:catalogue")
    form = TypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except IntegrityError:
            form.add_error("code", _("The code is already used in your catalogue."))
        else:
            record(
                actor=request.user,
                action="catalogue.edit",
                purpose=Purpose.ADMINISTRATION,
                object_type="interventiontype",
                object_id=form.instance.pk,
                write=True,
            )
            messages.success(request, _("The intervention type is saved."))
            return redirect("interventions:catalogue")
    title = _("Edit intervention type") if pk else _("New intervention type")
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": title,
            "cancel_url": reverse("interventions:catalogue"),
        },
    )

from __future__ import annotations

import base64
import io
import logging
from typing import Any

import qrcode
import qrcode.image.svg
import redis
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from bip.accounts.roles import Can, can
from bip.accounts.scoping import scope_for
from bip.audit.services import record
from bip.exceptions import ApplicationError
from bip.forms import form_errors_from
from citizens.selectors import citizen_get
from measurements import services
from measurements.forms import AnswersForm, CorrectionForm, RoundForm
from measurements.models import Respondent, Round
from measurements.selectors import current_answers, may_write_round, round_get

SESSION_NEW_LINK = "new_citizen_link"
logger = logging.getLogger(__name__)


@login_required
@require_POST
def start(request: HttpRequest, citizen_pk: int) -> HttpResponse:
    citizen = citizen_get(viewer=request.user, pk=citizen_pk, action="write")
    try:
        rnd = services.round_start(citizen=citizen, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("citizens:detail", pk=citizen.pk)
    return redirect("measurements:round", pk=rnd.pk)


def _round_context(request: HttpRequest, rnd: Round) -> dict[str, Any]:
    responses = {r.respondent: r for r in rnd.responses.all()}
    link = rnd.links.order_by("-created_at").first()
    return {
        "round": rnd,
        "citizen": rnd.enrolment.citizen,
        "responses": responses,
        "link": link,
        "link_usable": link is not None and link.is_usable(timezone.now()),
        "locked": services.round_is_locked(rnd),
    }


@login_required
def round_view(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = round_get(viewer=request.user, pk=pk)
    citizen = rnd.enrolment.citizen
    can_write = may_write_round(viewer=request.user, rnd=rnd)
    context = _round_context(request, rnd)
    questions = services.questions(rnd.instrument_version)
    language = translation.get_language() or "da"
    if request.method == "POST" and can_write and not context["locked"]:
        form = RoundForm(request.POST, questions=questions, language=language)
        action = request.POST.get("action", "save")
        submit: tuple[str, ...] = {
            "save": (),
            "submit_caseworker": (Respondent.CASEWORKER,),
            "submit_citizen": (Respondent.CITIZEN,),
            "submit_both": (Respondent.CASEWORKER, Respondent.CITIZEN),
        }.get(action, ())
        if form.is_valid():
            try:
                result = services.round_save(
                    rnd=rnd,
                    by=request.user,
                    lock_version=form.cleaned_data["lock_version"],
                    answers=form.answers(),
                    submit=submit,
                    round_date=form.cleaned_data["round_date"],
                )
            except (ValidationError, ApplicationError) as exc:
                if isinstance(exc, ValidationError):
                    form_errors_from(exc, form)
                else:
                    form.add_error(None, exc.message)
            else:
                if result.submitted:
                    messages.success(request, _("The round is saved and submitted."))
                else:
                    messages.success(
                        request, _("Your answers are saved. You can continue later.")
                    )
                return redirect("measurements:round", pk=rnd.pk)
    else:
        form = RoundForm(
            questions=questions,
            language=language,
            current=current_answers(rnd),
            initial={
                "lock_version": rnd.lock_version,
                "round_date": rnd.round_date or timezone.localdate(),
            },
        )
    record(actor=request.user, action="round.view", obj=rnd, citizen_ids=[citizen.pk])
    new_link = request.session.pop(SESSION_NEW_LINK, None)
    if new_link and new_link.get("round") != rnd.pk:
        new_link = None
    return render(
        request,
        "measurements/round.html",
        {
            **context,
            "form": form,
            "can_write": can_write,
            "new_link": new_link,
            "readonly": context["locked"] or not can_write,
            "can_correct": can_write
            and context["locked"]
            and _may_correct(request.user),
        },
    )


def _may_correct(user: Any) -> bool:
    return can(scope_for(user), Can.CORRECT)


@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """After the lock: a team leader or admin corrects answers with a reason."""
    rnd = round_get(viewer=request.user, pk=pk, action="write")
    if not _may_correct(request.user) or not services.round_is_locked(rnd):
        record(
            actor=request.user,
            action="access.denied",
            object_type="round",
            object_id=rnd.pk,
        )
        messages.error(
            request,
            _(
                "Only a locked round is corrected, by a team leader or an administrator."
            ),
        )
        return redirect("measurements:round", pk=rnd.pk)
    questions = services.questions(rnd.instrument_version)
    language = translation.get_language() or "da"
    form = CorrectionForm(
        request.POST or None,
        questions=questions,
        language=language,
        current=current_answers(rnd),
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.round_correct(
                rnd=rnd,
                by=request.user,
                reason=form.cleaned_data["reason"],
                answers=form.answers(),
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("%(n)s answers corrected.") % {"n": changed})
            return redirect("measurements:round", pk=rnd.pk)
    return render(
        request,
        "measurements/correct.html",
        {"round": rnd, "citizen": rnd.enrolment.citizen, "form": form},
    )


@login_required
@require_POST
def link_create(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = round_get(viewer=request.user, pk=pk, action="write")
    try:
        link, token = services.link_create(rnd=rnd, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("measurements:round", pk=rnd.pk)
    url = request.build_absolute_uri(reverse("citizen_form", args=[token]))
    # Shown once, on the next page: only the token's hash is stored.
    request.session[SESSION_NEW_LINK] = {
        "round": rnd.pk,
        "url": url,
        "qr": qr_data_uri(url),
        "expires": timezone.localtime(link.expires_at).strftime("%d.%m.%Y"),
    }
    return redirect("measurements:round", pk=rnd.pk)


def qr_data_uri(text: str) -> str:

    img = qrcode.make(
        text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    buffer = io.BytesIO()
    img.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


# --- The citizen's own page: no login, reached by the personal link ---

RATE_LIMIT = "30/10m"  # requests per link


def _link_key(group: str, request: HttpRequest) -> str:
    # The token's hash, never the address: a waiting room shares one public IP.
    return services.link_token_hash(request.resolver_match.kwargs["token"])


def _rate_limited(request: HttpRequest) -> bool:
    """Over the link's limit. A Redis that cannot be reached lets the request through
    (DESIGN section 1): the token is long, random and single-use, so the limit only
    slows down one link being hammered, and an outage must not stop every citizen
    from answering; it is logged, and /healthz shows Redis down. Any other error is
    raised, and a cache that answers without a count limits (django-ratelimit)."""
    try:
        return is_ratelimited(
            request,
            group="citizen-link",
            key=_link_key,
            rate=RATE_LIMIT,
            increment=True,
        )
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        logger.warning("Citizen link rate limit skipped, cache unreachable: %s", exc)
        return False


def _public(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# No CSRF cookie check: the page sends Referrer-Policy no-referrer, so browsers post
# with "Origin: null", and the secret token in the path already proves the sender has
# the link; nobody is logged in, so there is no session to ride on.
@csrf_exempt
@never_cache
def citizen_form(request: HttpRequest, token: str) -> HttpResponse:
    language = request.GET.get("lang") or request.POST.get("lang") or ""
    if language not in ("da", "en"):
        language = "da"
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if _rate_limited(request):
        return _public(
            render(
                request,
                "measurements/citizen_closed.html",
                {"reason": "rate", "lang": language},
                status=429,
            )
        )
    link = services.link_resolve(token)
    if link is None:
        return _public(
            render(
                request,
                "measurements/citizen_closed.html",
                {"reason": "closed", "lang": language},
                status=404,
            )
        )
    rnd = link.round
    citizen = rnd.enrolment.citizen
    if not request.GET.get("lang") and request.method == "GET":
        language = (
            citizen.preferred_language
            if citizen.preferred_language in ("da", "en")
            else "da"
        )
        translation.activate(language)
    questions = services.questions(rnd.instrument_version, Respondent.CITIZEN)
    current = current_answers(rnd, Respondent.CITIZEN)
    if request.method == "POST":
        form = AnswersForm(
            request.POST, questions=questions, language=language, for_citizen=True
        )
        final = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                ok = services.link_save(
                    link=link, answers=form.answers()[Respondent.CITIZEN], final=final
                )
            except ValidationError as exc:
                form_errors_from(exc, form)
            else:
                if not ok:
                    return _public(
                        render(
                            request,
                            "measurements/citizen_closed.html",
                            {"reason": "closed", "lang": language},
                            status=404,
                        )
                    )
                if final:
                    return _public(
                        render(
                            request,
                            "measurements/citizen_thanks.html",
                            {"lang": language},
                        )
                    )
                form = AnswersForm(
                    questions=questions,
                    language=language,
                    for_citizen=True,
                    current=current_answers(rnd, Respondent.CITIZEN),
                )
                return _public(
                    render(
                        request,
                        "measurements/citizen_form.html",
                        {"form": form, "saved": True, "lang": language, "token": token},
                    )
                )
    else:
        services.link_opened(link)
        form = AnswersForm(
            questions=questions, language=language, for_citizen=True, current=current
        )
    return _public(
        render(
            request,
            "measurements/citizen_form.html",
            {"form": form, "lang": language, "token": token},
        )
    )

"""The municipal admin's pages for instrument versions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bip.accounts.access import role_required
from bip.accounts.roles import Can
from bip.accounts.scoping import scope_for
from bip.exceptions import ApplicationError
from measurements import instrument
from measurements.indicators import CHOICES as INDICATOR_CHOICES
from measurements.models import InstrumentVersion, Respondent
from measurements.selectors import instrument_get, instrument_list
from measurements.services import instrument_current

FIELDS = ("text", "low_label", "high_label")


@role_required(Can.ADMINISTER)
def version_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    versions = (
        instrument_list(viewer=request.user)
        .select_related("municipality")
        .order_by("municipality_id", "-number")
    )
    return render(
        request,
        "measurements/instrument_list.html",
        {
            "versions": versions,
            "current": instrument_current(municipality_id=scope.municipality_id),
        },
    )


def _languages(version: InstrumentVersion) -> list[str]:
    found = {t.language for q in version.questions.all() for t in q.texts.all()}
    return ["da", "en", *sorted(found - {"da", "en"})]


def _posted_texts(
    request: HttpRequest, version: InstrumentVersion, languages: list[str]
) -> dict[int, dict[str, dict[str, str]]]:
    out: dict[int, dict[str, dict[str, str]]] = {}
    for q in version.questions.all():
        for lang in languages:
            values = {f: request.POST.get(f"t_{q.pk}_{lang}_{f}", "") for f in FIELDS}
            if values["text"].strip():
                out.setdefault(q.pk, {})[lang] = values
    return out


@role_required(Can.ADMINISTER)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = instrument_get(viewer=request.user, pk=pk)
    questions = list(version.questions.prefetch_related("texts").order_by("order"))
    languages = _languages(version)
    editable = (
        not version.is_published
        and version.municipality_id == scope_for(request.user).municipality_id
    )
    if request.method == "POST" and editable:
        try:
            instrument.instrument_save_texts(
                version=version,
                by=request.user,
                texts=_posted_texts(request, version, languages),
                indicators={
                    q.pk: request.POST.get(f"ind_{q.pk}", q.indicator)
                    for q in questions
                },
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The draft is saved."))
        return redirect("instrument:detail", pk=version.pk)
    rows = []
    for q in questions:
        texts = {t.language: t for t in q.texts.all()}
        rows.append(
            {"question": q, "texts": [(lang, texts.get(lang)) for lang in languages]}
        )
    return render(
        request,
        "measurements/instrument_detail.html",
        {
            "version": version,
            "rows": rows,
            "languages": languages,
            "editable": editable,
            "indicators": INDICATOR_CHOICES,
            "respondents": Respondent.choices,
        },
    )


@role_required(Can.ADMINISTER)
@require_POST
def version_copy(request: HttpRequest, pk: int) -> HttpResponse:
    source = instrument_get(viewer=request.user, pk=pk)
    try:
        draft = instrument.instrument_copy(
            source=source,
            municipality_id=scope_for(request.user).municipality_id,
            by=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("instrument:list")
    messages.success(request, _("A draft is ready. Change it, then publish it."))
    return redirect("instrument:detail", pk=draft.pk)


@role_required(Can.ADMINISTER)
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = instrument_get(viewer=request.user, pk=pk, own=True)
    try:
        instrument.instrument_publish(
            version=version, by=request.user, note=request.POST.get("note", "")[:2000]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The version is published. New rounds use it; old rounds keep theirs."),
        )
    return redirect("instrument:detail", pk=version.pk)


@role_required(Can.ADMINISTER)
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = instrument_get(viewer=request.user, pk=pk, own=True)
    respondent = request.POST.get("respondent", "")
    indicator = request.POST.get("indicator", "")
    if respondent not in Respondent.values or indicator not in {
        c for c, _ in INDICATOR_CHOICES
    } | {""}:
        messages.error(
            request,
            _("Choose who answers and which indicator the question belongs to."),
        )
        return redirect("instrument:detail", pk=version.pk)
    texts = {
        lang: {f: request.POST.get(f"new_{lang}_{f}", "").strip() for f in FIELDS}
        for lang in ("da", "en")
    }
    try:
        instrument.question_add(
            version=version,
            by=request.user,
            respondent=respondent,
            indicator=indicator,
            texts=texts,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question is added."))
    return redirect("instrument:detail", pk=version.pk)


@role_required(Can.ADMINISTER)
def translation_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = instrument_get(viewer=request.user, pk=pk)
    if version.municipality_id is None:
        messages.error(
            request, _("Copy the shipped version to your municipality first.")
        )
        return redirect("instrument:detail", pk=version.pk)
    questions = list(version.questions.prefetch_related("texts").order_by("order"))
    language = (
        request.POST.get("language", "")
        if request.method == "POST"
        else request.GET.get("language", "")
    )
    if request.method == "POST":
        texts = {
            q.pk: {f: request.POST.get(f"t_{q.pk}_{f}", "").strip() for f in FIELDS}
            for q in questions
        }
        try:
            instrument.translation_add(
                version=version, by=request.user, language=language, texts=texts
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The translation is added."))
            return redirect("instrument:detail", pk=version.pk)
    rows = [
        {
            "question": q,
            "da": next((t for t in q.texts.all() if t.language == "da"), None),
        }
        for q in questions
    ]
    return render(
        request,
        "measurements/instrument_translate.html",
        {
            "version": version,
            "rows": rows,
            "language": language,
            "posted": request.POST,
        },
    )

"""Instrument versions as data: a municipality copies a version to a draft, edits
texts, adds local questions and languages, and publishes. A published version never
changes, except that a new language may be added to it (DESIGN section 1)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from bip.audit.models import Purpose
from bip.audit.services import record
from bip.exceptions import ApplicationError
from measurements.models import InstrumentVersion, Question, QuestionText

TextInput = dict[str, str]  # {"text", "low_label", "high_label"}


class PublishedVersion(ApplicationError):
    pass


def _audit(by: Any, action: str, version: InstrumentVersion) -> None:
    record(
        actor=by,
        action=action,
        purpose=Purpose.ADMINISTRATION,
        object_type="instrumentversion",
        object_id=version.pk,
        municipality_id=version.municipality_id,
        write=True,
    )


@transaction.atomic
def instrument_copy(
    *, source: InstrumentVersion, municipality_id: int, by: Any
) -> InstrumentVersion:
    if source.municipality_id not in (None, municipality_id):
        raise ApplicationError(_("You can only copy your own or the shipped versions."))
    if InstrumentVersion.objects.filter(
        municipality_id=municipality_id, published_at__isnull=True
    ).exists():
        raise ApplicationError(
            _("There is already a draft. Publish or continue it first.")
        )
    number = (
        InstrumentVersion.objects.filter(municipality_id=municipality_id).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    draft = InstrumentVersion.objects.create(
        municipality_id=municipality_id,
        name=source.name,
        number=number,
        based_on=source,
    )
    for q in source.questions.prefetch_related("texts").order_by("order"):
        copy = Question.objects.create(
            version=draft,
            code=q.code,
            indicator=q.indicator,
            respondent=q.respondent,
            order=q.order,
        )
        QuestionText.objects.bulk_create(
            [
                QuestionText(
                    question=copy,
                    language=t.language,
                    text=t.text,
                    low_label=t.low_label,
                    high_label=t.high_label,
                )
                for t in q.texts.all()
            ]
        )
    _audit(by, "instrument.copy", draft)
    return draft


def _require_draft(version: InstrumentVersion) -> None:
    if version.is_published:
        raise PublishedVersion(
            _("A published version cannot change. Make a new version instead.")
        )


@transaction.atomic
def instrument_save_texts(
    *,
    version: InstrumentVersion,
    by: Any,
    texts: dict[int, dict[str, TextInput]],
    indicators: dict[int, str] | None = None,
) -> None:
    """texts: question id -> language -> fields. Drafts only."""
    version = InstrumentVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    questions = {q.pk: q for q in version.questions.all()}
    for qid, by_language in texts.items():
        question = questions[qid]
        for language, fields in by_language.items():
            if not fields.get("text", "").strip():
                continue
            QuestionText.objects.update_or_create(
                question=question,
                language=language,
                defaults={
                    k: fields[k].strip() for k in ("text", "low_label", "high_label")
                },
            )
    for qid, indicator in (indicators or {}).items():
        questions[qid].indicator = indicator
        questions[qid].save(update_fields=["indicator", "updated_at"])
    _audit(by, "instrument.edit", version)


@transaction.atomic
def question_add(
    *,
    version: InstrumentVersion,
    by: Any,
    respondent: str,
    indicator: str,
    texts: dict[str, TextInput],
) -> Question:
    """A local question: it may feed an indicator (several questions per indicator)
    or none."""
    _require_draft(version)
    if not texts.get("da", {}).get("text"):
        raise ApplicationError(_("A question needs a Danish text."))
    order = (version.questions.aggregate(n=Max("order"))["n"] or 0) + 1
    base = slugify(f"local-{respondent}-{indicator or 'none'}-{order}")[:60]
    question = Question.objects.create(
        version=version,
        code=base,
        indicator=indicator,
        respondent=respondent,
        order=order,
    )
    for language, fields in texts.items():
        if fields.get("text"):
            QuestionText.objects.create(question=question, language=language, **fields)
    _audit(by, "instrument.question_add", version)
    return question


@transaction.atomic
def translation_add(
    *, version: InstrumentVersion, by: Any, language: str, texts: dict[int, TextInput]
) -> None:
    """Add a language, also to a published version: existing texts never change."""
    language = language.strip().lower()
    if not language.isalpha() or not 2 <= len(language) <= 3:
        raise ApplicationError(_("Give the language as a two-letter code, e.g. sv."))
    if QuestionText.objects.filter(
        question__version=version, language=language
    ).exists():
        raise ApplicationError(_("This version already has that language."))
    questions = {q.pk: q for q in version.questions.all()}
    missing = [q for q in questions if not texts.get(q, {}).get("text")]
    if missing:
        raise ApplicationError(_("Translate every question."))
    QuestionText.objects.bulk_create(
        [
            QuestionText(question=questions[qid], language=language, **fields)
            for qid, fields in texts.items()
        ]
    )
    _audit(by, "instrument.translate", version)


@transaction.atomic
def instrument_publish(
    *, version: InstrumentVersion, by: Any, note: str
) -> InstrumentVersion:
    version = InstrumentVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    if not version.questions.filter(respondent="caseworker").exists():
        raise ApplicationError(_("A version needs at least one case worker question."))
    for q in version.questions.all():
        if not q.texts.filter(language="da").exists():
            raise ApplicationError(
                _("Every question needs a Danish text before publishing.")
            )
    version.published_at, version.published_by, version.note = timezone.now(), by, note
    version.save(update_fields=["published_at", "published_by", "note", "updated_at"])
    _audit(by, "instrument.publish", version)
    return version

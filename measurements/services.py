"""Measurement rounds: start, save, submit, lock and audited correction; the
citizen's personal link (DESIGN section 1)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bip.audit.models import Purpose
from bip.audit.services import record
from bip.exceptions import ApplicationError
from citizens.models import Citizen
from citizens.services import open_enrolment
from measurements.models import (
    Answer,
    CitizenLink,
    InstrumentVersion,
    MissingReason,
    Question,
    Respondent,
    Response,
    Round,
)
from measurements.scoring.recompute import scores_request_for_round

LINK_DAYS = 14
# A posted answer: a value 1-5, or a missing reason.
AnswerInput = tuple[int | None, str]


class StaleRound(ApplicationError):
    pass


class RoundLocked(ApplicationError):
    pass


def instrument_current(*, municipality_id: int) -> InstrumentVersion:
    """The municipality's newest published version, else the newest global one."""
    published = InstrumentVersion.objects.filter(published_at__isnull=False)
    own = published.filter(municipality_id=municipality_id).order_by("-number").first()
    return (
        own or published.filter(municipality__isnull=True).order_by("-number").first()
    )


def questions(
    version: InstrumentVersion, respondent: str | None = None
) -> list[Question]:
    qs = version.questions.prefetch_related("texts").order_by("order", "pk")
    if respondent:
        qs = qs.filter(respondent=respondent)
    return list(qs)


def round_start(*, citizen: Citizen, by: Any) -> Round:
    """The open round of the citizen's enrolment, created if there is none.

    A repeated or concurrent POST finds the one open round: the partial unique index
    decides, and the loser of the race reads the winner's row."""
    enrolment = open_enrolment(citizen)
    if enrolment is None:
        raise ApplicationError(_("The citizen is not enrolled, so no round can start."))
    existing = Round.objects.filter(enrolment=enrolment, state=Round.State.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            rnd = Round.objects.create(
                enrolment=enrolment,
                municipality_id=citizen.municipality_id,
                instrument_version=instrument_current(
                    municipality_id=citizen.municipality_id
                ),
                created_by=by,
            )
            for respondent in Respondent.values:
                Response.objects.create(round=rnd, respondent=respondent)
            record(
                actor=by,
                action="round.start",
                obj=rnd,
                citizen_ids=[citizen.pk],
                write=True,
            )
            return rnd
    except IntegrityError:
        return Round.objects.get(enrolment=enrolment, state=Round.State.OPEN)


def link_expiry_date(rnd: Round) -> date | None:
    """When the citizen's link ran out, if it did before the citizen answered."""
    now = timezone.now()
    expired = (
        rnd.links.filter(submitted_at__isnull=True, expires_at__lte=now)
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    return timezone.localdate(expired) if expired else None


def round_is_locked(rnd: Round, *, today: date | None = None) -> bool:
    return rnd.is_locked(
        today=today or timezone.localdate(),
        lock_days=rnd.municipality.round_lock_days,
        link_expiry=link_expiry_date(rnd),
    )


def _current_answers(response: Response) -> dict[int, Answer]:
    return {a.question_id: a for a in response.answers.current()}


def _validate(answers: dict[int, AnswerInput], allowed: set[int]) -> None:
    reasons = set(MissingReason.values)
    for qid, (value, reason) in answers.items():
        if qid not in allowed:
            raise ValidationError(
                _("An answer names a question that is not in this round.")
            )
        if value is not None and not 1 <= value <= 5:
            raise ValidationError(_("An answer must be from 1 to 5."))
        if value is None and reason not in reasons:
            raise ValidationError(_("A question without an answer needs a reason."))


def _write_answers(response: Response, answers: dict[int, AnswerInput]) -> int:
    """Upsert the current answers in place (before the lock); returns rows changed."""
    current = _current_answers(response)
    changed = 0
    for qid, (value, reason) in answers.items():
        reason = "" if value is not None else reason
        row = current.get(qid)
        if row is None:
            Answer.objects.create(
                response=response, question_id=qid, value=value, missing_reason=reason
            )
            changed += 1
        elif (row.value, row.missing_reason) != (value, reason):
            row.value, row.missing_reason = value, reason
            row.save(update_fields=["value", "missing_reason"])
            changed += 1
    return changed


def _missing(response: Response, question_ids: set[int]) -> set[int]:
    return question_ids - set(_current_answers(response))


@dataclass
class SaveResult:
    round: Round
    changed: int
    submitted: list[str]


@transaction.atomic
def round_save(
    *,
    rnd: Round,
    by: Any,
    lock_version: int,
    answers: dict[str, dict[int, AnswerInput]],
    submit: tuple[str, ...] = (),
    round_date: date | None = None,
) -> SaveResult:
    """Save both parts (partial saves allowed) and submit the parts named in `submit`.

    `answers` maps respondent -> {question id: (value, reason)}. A stale
    `lock_version` (another tab saved meanwhile) is refused; so is a locked round."""
    rnd = (
        Round.objects.select_for_update().select_related("municipality").get(pk=rnd.pk)
    )
    if rnd.lock_version != lock_version:
        raise StaleRound(
            _(
                "Someone saved this round after you opened it. Reload the page to see their changes."
            )
        )
    if round_is_locked(rnd):
        raise RoundLocked(
            _(
                "The round is locked. A team leader or administrator can correct it with a reason."
            )
        )
    version_questions = questions(rnd.instrument_version)
    by_respondent = {
        r: {q.pk for q in version_questions if q.respondent == r}
        for r in Respondent.values
    }
    responses = {r.respondent: r for r in rnd.responses.all()}
    today = timezone.localdate()
    changed = 0
    for respondent, given in answers.items():
        _validate(given, by_respondent[respondent])
        changed += _write_answers(responses[respondent], given)
    submitted = []
    for respondent in submit:
        response = responses[respondent]
        if _missing(response, by_respondent[respondent]):
            who = (
                _("case worker")
                if respondent == Respondent.CASEWORKER
                else _("citizen")
            )
            raise ValidationError(
                _(
                    "Answer every question of the %(who)s, or choose why it was not answered."
                )
                % {"who": who}
            )
        if response.state != Response.State.SUBMITTED:
            response.state, response.submitted_at, response.submitted_by = (
                Response.State.SUBMITTED,
                timezone.now(),
                by,
            )
            response.channel = Response.Channel.SCREEN
            response.save(
                update_fields=[
                    "state",
                    "submitted_at",
                    "submitted_by",
                    "channel",
                    "updated_at",
                ]
            )
            submitted.append(respondent)
    if Respondent.CASEWORKER in submitted:
        if round_date is not None and round_date > today:
            raise ValidationError(
                {"round_date": _("The date cannot be in the future.")}
            )
        _complete(rnd, round_date or today)
    elif (
        round_date is not None
        and rnd.state == Round.State.COMPLETE
        and round_date != rnd.round_date
    ):
        if round_date > today:
            raise ValidationError(
                {"round_date": _("The date cannot be in the future.")}
            )
        rnd.round_date = round_date
    if (
        all(r.state == Response.State.SUBMITTED for r in responses.values())
        and rnd.both_in_on is None
    ):
        rnd.both_in_on = today
    rnd.lock_version += 1
    rnd.save()
    citizen_id = rnd.enrolment.citizen_id
    record(actor=by, action="round.save", obj=rnd, citizen_ids=[citizen_id], write=True)
    scores_request_for_round(rnd=rnd, trigger="round", by=by)
    return SaveResult(rnd, changed, submitted)


@transaction.atomic
def round_record(
    *,
    citizen: Citizen,
    by: Any,
    round_date: date,
    answers: dict[str, dict[int, AnswerInput]],
) -> Round:
    """A round answered in another tool (the API): started, answered and submitted
    in one transaction by the page's services (round_start, round_save), each part
    given submitted, marked as imported."""
    rnd = round_start(citizen=citizen, by=by)
    round_save(
        rnd=rnd,
        by=by,
        lock_version=rnd.lock_version,
        answers=answers,
        submit=tuple(r for r in Respondent.values if r in answers),
        round_date=round_date,
    )
    rnd.responses.filter(respondent__in=list(answers)).update(
        channel=Response.Channel.IMPORT
    )
    rnd.refresh_from_db()
    return rnd


def _complete(rnd: Round, day: date) -> None:
    """The case worker's part is in: the round is complete; snapshot the placement."""
    enrolment = rnd.enrolment
    assignment = (
        enrolment.assignments.filter(start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gt=day))
        .order_by("-start")
        .first()
        or enrolment.assignments.order_by("-start").first()
    )
    rnd.state = Round.State.COMPLETE
    rnd.round_date = day
    rnd.team_id = assignment.team_id if assignment else enrolment.team_id
    rnd.caseworker_id = assignment.caseworker_id if assignment else None
    rnd.target_group_id = enrolment.target_group_id


@transaction.atomic
def round_correct(
    *, rnd: Round, by: Any, reason: str, answers: dict[str, dict[int, AnswerInput]]
) -> int:
    """Correct a locked round: each changed answer gets a new revision; old ones stay."""
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Give a reason for the correction.")})
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    responses = {r.respondent: r for r in rnd.responses.all()}
    version_questions = questions(rnd.instrument_version)
    now = timezone.now()
    changed = 0
    for respondent, given in answers.items():
        _validate(
            given, {q.pk for q in version_questions if q.respondent == respondent}
        )
        current = _current_answers(responses[respondent])
        for qid, (value, missing) in given.items():
            missing = "" if value is not None else missing
            old = current.get(qid)
            if old is not None and (old.value, old.missing_reason) == (value, missing):
                continue
            if old is not None:
                old.superseded_at = now
                old.save(update_fields=["superseded_at"])
            Answer.objects.create(
                response=responses[respondent],
                question_id=qid,
                value=value,
                missing_reason=missing,
                correction_reason=reason[:300],
                corrected_by=by,
            )
            changed += 1
    if changed:
        rnd.lock_version += 1
        rnd.save(update_fields=["lock_version", "updated_at"])
        record(
            actor=by,
            action="round.correct",
            obj=rnd,
            citizen_ids=[rnd.enrolment.citizen_id],
            criterion_masked=reason[:200],
            write=True,
        )
        scores_request_for_round(rnd=rnd, trigger="correction", by=by)
    return changed


# --- The citizen's personal link ---


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def link_create(
    *, rnd: Round, by: Any, days: int = LINK_DAYS
) -> tuple[CitizenLink, str]:
    """A new link for the round's citizen part; older unused links stop working."""
    return _link_create(rnd=rnd, by=by, days=days)


# The bodies of the link's services sit in plain functions, so that `make mutation`
# can mutate them (mutmut leaves decorated functions alone).
def _link_create(*, rnd: Round, by: Any, days: int) -> tuple[CitizenLink, str]:
    citizen_response = rnd.responses.get(respondent=Respondent.CITIZEN)
    if citizen_response.state == Response.State.SUBMITTED:
        raise ApplicationError(_("The citizen has already answered this round."))
    if round_is_locked(rnd):
        raise RoundLocked(_("The round is locked."))
    now = timezone.now()
    rnd.links.filter(submitted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    link = CitizenLink.objects.create(
        round=rnd,
        token_hash=link_token_hash(token),
        expires_at=now + timedelta(days=days),
        created_by=by,
    )
    record(
        actor=by,
        action="link.create",
        obj=link,
        municipality_id=rnd.municipality_id,
        citizen_ids=[rnd.enrolment.citizen_id],
        write=True,
    )
    return link, token


def link_resolve(token: str) -> CitizenLink | None:
    """The usable link for a token: not expired, used, revoked or forged."""
    if not token or len(token) > 100:
        return None
    link = (
        CitizenLink.objects.select_related(
            "round__enrolment__citizen", "round__instrument_version"
        )
        .filter(token_hash=link_token_hash(token))
        .first()
    )
    if link is None or not link.is_usable(timezone.now()):
        return None
    return link


def link_opened(link: CitizenLink) -> None:
    first = CitizenLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(
        opened_at=timezone.now()
    )
    record(
        actor=None,
        action="link.open" if first else "link.reopen",
        purpose=Purpose.SELF_SERVICE,
        object_type="citizenlink",
        object_id=link.pk,
        municipality_id=link.round.municipality_id,
        citizen_ids=[link.round.enrolment.citizen_id],
    )


@transaction.atomic
def link_save(
    *, link: CitizenLink, answers: dict[int, AnswerInput], final: bool
) -> bool:
    """Save the citizen's draft, or submit it once. Returns False if the link can no
    longer be used (another tab submitted, it expired, or it was replaced)."""
    return _link_save(link=link, answers=answers, final=final)


def _link_save(
    *, link: CitizenLink, answers: dict[int, AnswerInput], final: bool
) -> bool:
    now = timezone.now()
    usable = CitizenLink.objects.usable(now).filter(pk=link.pk)
    if final:
        # The claim: one conditional UPDATE, so two tabs cannot both submit.
        if usable.update(submitted_at=now) == 0:
            return False
    elif not usable.exists():
        return False
    rnd = Round.objects.select_for_update().get(pk=link.round_id)
    response = rnd.responses.get(respondent=Respondent.CITIZEN)
    if response.state == Response.State.SUBMITTED:
        transaction.set_rollback(True)
        return False
    allowed = {q.pk for q in questions(rnd.instrument_version, Respondent.CITIZEN)}
    _validate(answers, allowed)
    _write_answers(response, answers)
    if final:
        if _missing(response, allowed):
            raise ValidationError(
                _("Answer every question, or choose why you do not answer it.")
            )
        response.state, response.submitted_at, response.channel = (
            Response.State.SUBMITTED,
            now,
            Response.Channel.LINK,
        )
        response.save(update_fields=["state", "submitted_at", "channel", "updated_at"])
        if rnd.state == Round.State.COMPLETE and rnd.both_in_on is None:
            rnd.both_in_on = timezone.localdate()
        rnd.lock_version += 1
        rnd.save(update_fields=["both_in_on", "lock_version", "updated_at"])
        scores_request_for_round(rnd=rnd, trigger="link")
    record(
        actor=None,
        action="link.submit" if final else "link.draft",
        purpose=Purpose.SELF_SERVICE,
        object_type="citizenlink",
        object_id=link.pk,
        municipality_id=rnd.municipality_id,
        citizen_ids=[rnd.enrolment.citizen_id],
        write=True,
    )
    return True

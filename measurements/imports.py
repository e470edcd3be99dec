"""Import format: historic measurement rounds in long format (one answer a row)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.imports.common import (
    citizens_by_hmac,
    cpr_of,
    date_of,
    not_found_message,
    text_of,
)
from bip.imports.formats import Column, Context, ImportFormat, RawRow, RowResult
from bip.imports.reading import parse_decimal
from citizens import crypto

RESPONDENTS = {
    "citizen": "citizen",
    "borger": "citizen",
    "caseworker": "caseworker",
    "sagsbehandler": "caseworker",
    "case worker": "caseworker",
}


class RoundFormat(ImportFormat):
    kind = "rounds"
    label = gettext_lazy("Historic measurement rounds (long format)")
    columns = (
        Column(
            "cpr", gettext_lazy("CPR number"), aliases=("cpr-nummer", "cprnr", "cpr_nr")
        ),
        Column(
            "round_date",
            gettext_lazy("Round date"),
            aliases=("dato", "date", "måledato"),
        ),
        Column("respondent", gettext_lazy("Respondent"), aliases=("besvarer",)),
        Column(
            "question",
            gettext_lazy("Indicator or question code"),
            aliases=("indicator", "indikator", "spørgsmål"),
        ),
        Column("value", gettext_lazy("Value"), aliases=("svar", "værdi")),
        Column(
            "caseworker",
            gettext_lazy("Case worker"),
            required=False,
            aliases=("sagsbehandler",),
        ),
    )
    duplicate_message = gettext_lazy(
        "Two values for the same citizen, date, respondent and question."
    )

    def validate_chunk(self, ctx: Context, rows: list[RawRow]) -> list[RowResult]:
        from bip.accounts.models import User
        from citizens.models import Enrolment
        from measurements.models import Answer
        from measurements.services import instrument_current

        version = instrument_current(municipality_id=ctx.municipality_id)
        questions = list(version.questions.all())
        by_code = {q.code: q for q in questions}
        by_indicator = {}
        for q in sorted(questions, key=lambda q: q.order):
            by_indicator.setdefault((q.respondent, q.indicator), q)
        results = [RowResult(r.number) for r in rows]
        parsed = [cpr_of(r, res) for r, res in zip(rows, results, strict=True)]
        known = citizens_by_hmac(ctx.municipality_id, parsed)
        enrolments: dict[int, list[Any]] = defaultdict(list)
        for e in Enrolment.objects.filter(citizen_id__in=set(known.values())).order_by(
            "start"
        ):
            enrolments[e.citizen_id].append(e)
        users = {
            u.username.lower(): u.pk
            for u in User.objects.filter(
                memberships__municipality_id=ctx.municipality_id
            )
        }
        stored = {
            (
                a.response.round.enrolment_id,
                a.response.round.round_date,
                a.response.respondent,
                a.question.code,
            ): (a.value, a.missing_reason)
            for a in Answer.objects.filter(
                response__round__enrolment__citizen_id__in=set(known.values()),
                superseded_at__isnull=True,
                response__round__state="complete",
            ).select_related("response__round", "question")
        }
        today = timezone.localdate()
        for raw, res, p in zip(rows, results, parsed, strict=True):
            day = date_of(raw, res, "round_date")
            if day and day > today:
                res.error("round_date", _("The date is in the future."))
            respondent = RESPONDENTS.get(text_of(raw, "respondent").lower())
            if respondent is None:
                res.error(
                    "respondent",
                    _("Unknown respondent %(value)s (use citizen or caseworker).")
                    % {"value": text_of(raw, "respondent")},
                )
            code = text_of(raw, "question")
            question = by_code.get(code) or (
                by_indicator.get((respondent, code)) if respondent else None
            )
            if respondent and (question is None or question.respondent != respondent):
                res.error(
                    "question",
                    _(
                        "Unknown indicator or question code %(value)s for this respondent."
                    )
                    % {"value": code},
                )
                question = None
            elif respondent is None:
                question = None
            value, reason = None, ""
            text = text_of(raw, "value")
            if text == "":
                reason = "not_asked"  # an empty cell: not answered, never a 0
            else:
                try:
                    number = parse_decimal(raw.values["value"])
                except ValueError as exc:
                    res.error("value", str(exc))
                else:
                    if number != number.to_integral_value() or not 1 <= number <= 5:
                        res.error(
                            "value", _("%(value)s is outside 1-5.") % {"value": text}
                        )
                    else:
                        value = int(number)
            caseworker_id = None
            if text_of(raw, "caseworker"):
                caseworker_id = users.get(text_of(raw, "caseworker").lower())
                if caseworker_id is None:
                    res.error(
                        "caseworker",
                        _("Unknown case worker %(value)s in your municipality.")
                        % {"value": text_of(raw, "caseworker")},
                    )
            citizen_id = known.get(crypto.keyed_hash(p.digits)) if p else None
            if p is not None and citizen_id is None:
                res.error("cpr", not_found_message(p.masked))
            enrolment = None
            if citizen_id and day:
                enrolment = next(
                    (
                        e
                        for e in enrolments[citizen_id]
                        if e.start <= day and (e.end is None or day <= e.end)
                    ),
                    None,
                )
                if enrolment is None:
                    res.error(
                        "round_date", _("The date is outside the citizen's enrolments.")
                    )
            if p and day and respondent and question:
                res.key = f"{crypto.keyed_hash(p.digits)}|{day.isoformat()}|{respondent}|{question.code}"
            res.data.update(
                {
                    "citizen_id": citizen_id,
                    "enrolment_id": enrolment.pk if enrolment else None,
                    "round_date": day.isoformat() if day else None,
                    "respondent": respondent,
                    "question_id": question.pk if question else None,
                    "version_id": version.pk,
                    "value": value,
                    "reason": reason,
                    "caseworker_id": caseworker_id,
                }
            )
            if enrolment and question and not res.errors:
                old = stored.get((enrolment.pk, day, respondent, question.code))
                if old is not None:
                    if old == (value, reason):
                        res.same = True
                    else:
                        res.error(
                            "value",
                            _(
                                "Another value is already stored for this round and question: a conflict, not overwritten."
                            ),
                        )
        return results

    def commit(self, ctx: Context, rows: Iterable[Any]) -> dict[str, Any]:
        from citizens.models import Assignment, Enrolment
        from measurements.models import Answer, Respondent, Response, Round

        grouped: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[(row.data["enrolment_id"], row.data["round_date"])].append(row.data)
        enrolments = {
            e.pk: e for e in Enrolment.objects.filter(pk__in={k[0] for k in grouped})
        }
        rounds_created, answers = 0, []
        ids = []
        for (enrolment_id, day_text), items in grouped.items():
            day = date.fromisoformat(day_text)
            enrolment = enrolments[enrolment_id]
            rnd = Round.objects.filter(
                enrolment_id=enrolment_id, round_date=day, state="complete"
            ).first()
            if rnd is None:
                named = next(
                    (i["caseworker_id"] for i in items if i["caseworker_id"]), None
                )
                assignment = (
                    Assignment.objects.filter(enrolment_id=enrolment_id, start__lte=day)
                    .filter(Q(end__isnull=True) | Q(end__gt=day))
                    .order_by("-start")
                    .first()
                )
                rnd = Round.objects.create(
                    enrolment=enrolment,
                    municipality_id=ctx.municipality_id,
                    instrument_version_id=items[0]["version_id"],
                    state=Round.State.COMPLETE,
                    round_date=day,
                    team_id=assignment.team_id if assignment else enrolment.team_id,
                    caseworker_id=named
                    or (assignment.caseworker_id if assignment else None),
                    target_group_id=enrolment.target_group_id,
                    created_by=ctx.user,
                    both_in_on=day,
                )
                rounds_created += 1
            responses = {r.respondent: r for r in rnd.responses.all()}
            stamp = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            for respondent in Respondent.values:
                if respondent not in responses and any(
                    i["respondent"] == respondent for i in items
                ):
                    responses[respondent] = Response.objects.create(
                        round=rnd,
                        respondent=respondent,
                        state=Response.State.SUBMITTED,
                        channel=Response.Channel.IMPORT,
                        submitted_at=stamp,
                    )
            for i in items:
                answers.append(
                    Answer(
                        response=responses[i["respondent"]],
                        question_id=i["question_id"],
                        value=i["value"],
                        missing_reason=i["reason"],
                    )
                )
            ids.append(enrolment.citizen_id)
        Answer.objects.bulk_create(answers, batch_size=2000)
        if grouped:
            from measurements.scoring.recompute import scores_request

            # the imported spells' rounds are scored after the import commits; a
            # large import: the whole municipality (only changed rounds are written)
            scores_request(
                municipality_id=ctx.municipality_id,
                trigger="import",
                enrolment_ids=list(enrolments) if len(enrolments) <= 1000 else None,
                by=ctx.user,
            )
        return {"rounds": rounds_created, "answers": len(answers), "citizen_ids": ids}

"""Import format: historic measurement rounds in long format (one answer a row).

The check validates each row, then the file as a whole: one case worker per round, and
the case workers' history (citizens/history.py) without contradicting what is stored.
The save moves the batch set-wise from the staging table (INSERT ... SELECT): the
history first, then rounds, responses and answers, and one recompute of the scores
that waits until the municipality's run of imports is over."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.db import is_postgres, stream
from bip.exceptions import ApplicationError
from bip.imports.common import (
    date_of,
    select_sql,
    staged_citizen_ids,
    text_of,
    typed,
)
from bip.imports.formats import Column, Context, ImportFormat, RawRow, RowResult
from bip.imports.reading import fold_code, parse_decimal
from citizens import history
from citizens.imports import (
    CPR_COLUMN,
    CitizenRows,
    caseworker_names,
    conflict_text,
)
from citizens.models import Assignment, Enrolment
from citizens.services import assignment_history_rebuild
from measurements.models import Answer, Response, Round
from measurements.scoring.recompute import scores_request_after_import
from measurements.services import instrument_current

RESPONDENTS = {
    "citizen": "citizen",
    "borger": "citizen",
    "caseworker": "caseworker",
    "sagsbehandler": "caseworker",
    "case worker": "caseworker",
}
SPELLS_PER_STEP = 500  # spells whose history is checked or rebuilt together


class RoundFormat(ImportFormat):
    kind = "rounds"
    label = gettext_lazy("Historic measurement rounds (long format)")
    columns = (
        CPR_COLUMN,
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
        version = instrument_current(municipality_id=ctx.municipality_id)
        questions = list(version.questions.all())
        by_code = {fold_code(q.code): q for q in questions}
        by_indicator = {}
        for q in sorted(questions, key=lambda q: q.order):
            by_indicator.setdefault((q.respondent, fold_code(q.indicator)), q)
        results = [RowResult(r.number) for r in rows]
        found = CitizenRows(ctx, rows, results)
        users = caseworker_names(ctx.municipality_id)
        stored = _stored_answers(found.spells)
        today = timezone.localdate()
        for i, (raw, res) in enumerate(zip(rows, results, strict=True)):
            day = date_of(raw, res, "round_date")
            if day and day > today:
                res.error("round_date", _("The date is in the future."))
            respondent = RESPONDENTS.get(fold_code(raw.values.get("respondent")))
            if respondent is None:
                res.error(
                    "respondent",
                    _("Unknown respondent %(value)s (use citizen or caseworker).")
                    % {"value": text_of(raw, "respondent")},
                )
            code = fold_code(raw.values.get("question"))
            question = by_code.get(code) or (
                by_indicator.get((respondent, code)) if respondent else None
            )
            if respondent and (question is None or question.respondent != respondent):
                res.error(
                    "question",
                    _(
                        "Unknown indicator or question code %(value)s for this respondent."
                    )
                    % {"value": text_of(raw, "question")},
                )
                question = None
            elif respondent is None:
                question = None
            value, reason = _value(raw, res)
            caseworker_id = None
            if text_of(raw, "caseworker"):
                caseworker_id = users.get(text_of(raw, "caseworker").lower())
                if caseworker_id is None:
                    res.error(
                        "caseworker",
                        _("Unknown case worker %(value)s in your municipality.")
                        % {"value": text_of(raw, "caseworker")},
                    )
            citizen_id = found.citizen(i, res)
            spell = found.spell(citizen_id, day, res, "round_date")
            if found.key(i) and day and respondent and question:
                res.key = (
                    f"{found.key(i)}|{day.isoformat()}|{respondent}|{question.code}"
                )
            res.data.update(
                {
                    "citizen_id": citizen_id,
                    "enrolment_id": spell.pk if spell else None,
                    "round_date": day.isoformat() if day else None,
                    "respondent": respondent,
                    "question_id": question.pk if question else None,
                    "version_id": version.pk,
                    "value": value,
                    "reason": reason,
                    "caseworker_id": caseworker_id,
                }
            )
            if spell and question and not res.errors:
                old = stored.get((spell.pk, day, respondent, question.pk))
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

    def check_batch(
        self, ctx: Context, staged: Any
    ) -> dict[int, list[tuple[str, str]]]:
        """One case worker per round, the same as a stored round's, and a history of
        case workers that contradicts nothing stored (checked spell by spell)."""
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for spells in _rounds_by_spell(staged, with_rows=True):
            snapshots = _stored_round_caseworkers(list(spells))
            evidence: dict[int, list[history.Evidence]] = {}
            for enrolment_id, rounds in spells.items():
                evidence[enrolment_id] = []
                for day, caseworkers, row_ids in rounds:
                    named = next(iter(caseworkers)) if len(caseworkers) == 1 else None
                    stored = snapshots.get((enrolment_id, day))
                    if len(caseworkers) > 1:
                        message = _("Two case workers are named for the same round.")
                    elif named is not None and stored not in (None, named):
                        message = conflict_text(history.Conflict(stored, day, "round"))
                    else:
                        if named is not None and stored is None:
                            evidence[enrolment_id].append(
                                history.Evidence(day, named, keys=tuple(row_ids))
                            )
                        continue
                    for row_id in row_ids:
                        problems[row_id].append(("caseworker", message))
            conflicts = assignment_history_rebuild(
                municipality_id=ctx.municipality_id, evidence=evidence, write=False
            )
            for row_id, conflict in conflicts.items():
                problems[row_id].append(("caseworker", conflict_text(conflict)))
        return problems

    def commit(self, ctx: Context, staged: Any) -> dict[str, Any]:
        # 1. the case workers' history, spell by spell
        for spells in _rounds_by_spell(staged, with_rows=False):
            evidence = {
                enrolment_id: [
                    history.Evidence(day, next(iter(cws)))
                    for day, cws, _ids in rounds
                    if cws
                ]
                for enrolment_id, rounds in spells.items()
            }
            if assignment_history_rebuild(
                municipality_id=ctx.municipality_id, evidence=evidence, write=True
            ):
                raise ApplicationError(
                    _(
                        "The case workers' history changed since the file was checked. Upload the file again."
                    )
                )
        # 2. rounds, responses and answers, set-wise from the staging table
        counts = _insert_rounds(ctx, staged)
        citizen_ids = staged_citizen_ids(staged)
        if counts["answers"]:
            scores_request_after_import(
                municipality_id=ctx.municipality_id, by=ctx.user
            )
        return {**counts, "citizen_ids": citizen_ids}


def _value(raw: RawRow, res: RowResult) -> tuple[int | None, str]:
    """1-5, or an empty cell: not answered (never a 0)."""
    text = text_of(raw, "value")
    if text == "":
        return None, "not_asked"
    try:
        number = parse_decimal(raw.values["value"])
    except ValueError as exc:
        res.error("value", str(exc))
        return None, ""
    if number != number.to_integral_value() or not 1 <= number <= 5:
        res.error("value", _("%(value)s is outside 1-5.") % {"value": text})
        return None, ""
    return int(number), ""


def _stored_answers(spells: dict[int, list[Any]]) -> dict[tuple, tuple]:
    """(enrolment, date, respondent, question) -> (value, reason) of the current
    answers in the chunk's spells."""
    enrolment_ids = [s.pk for items in spells.values() for s in items]
    if not enrolment_ids:
        return {}
    rows = Answer.objects.filter(
        response__round__enrolment_id__in=enrolment_ids,
        response__round__state=Round.State.COMPLETE,
        superseded_at__isnull=True,
    ).values_list(
        "response__round__enrolment_id",
        "response__round__round_date",
        "response__respondent",
        "question_id",
        "value",
        "missing_reason",
    )
    return {row[:4]: row[4:] for row in rows}


def _stored_round_caseworkers(enrolment_ids: list[int]) -> dict[tuple[int, date], int]:
    return {
        (e, d): cw
        for e, d, cw in Round.objects.filter(
            enrolment_id__in=enrolment_ids,
            state=Round.State.COMPLETE,
            caseworker_id__isnull=False,
        ).values_list("enrolment_id", "round_date", "caseworker_id")
    }


def round_evidence(enrolment_ids: list[int]) -> dict[int, list[history.Evidence]]:
    """The case workers of the spells' stored complete rounds (registered with the
    citizens app's history, which cannot read rounds itself)."""
    out: dict[int, list[history.Evidence]] = defaultdict(list)
    for (e, d), cw in _stored_round_caseworkers(enrolment_ids).items():
        out[e].append(history.Evidence(d, cw))
    return out


def _rounds_by_spell(
    staged: Any, *, with_rows: bool
) -> Iterator[dict[int, list[tuple[date, set[int], list[int]]]]]:
    """The staged rounds, spell by spell, a few hundred spells at a time: per round
    its date, the case workers named for it and (with_rows) its row ids. Streamed,
    so a file of a million rows never sits in memory."""
    if with_rows:
        qs = typed(staged, enrolment_id="int", round_date="date", caseworker_id="int")
        rows = (
            (r["s_enrolment_id"], r["s_round_date"], r["s_caseworker_id"], r["id"])
            for r in stream(
                qs.values(
                    "id", "s_enrolment_id", "s_round_date", "s_caseworker_id"
                ).order_by("s_enrolment_id", "s_round_date")
            )
        )
    else:
        qs = (
            typed(staged, enrolment_id="int", round_date="date", caseworker_id="int")
            .values("s_enrolment_id", "s_round_date")
            .annotate(lo=Min("s_caseworker_id"), hi=Max("s_caseworker_id"))
            .order_by("s_enrolment_id", "s_round_date")
        )
        rows = (
            (r["s_enrolment_id"], r["s_round_date"], r["lo"], None) for r in stream(qs)
        )
    spells: dict[int, list[tuple[date, set[int], list[int]]]] = {}
    last: tuple[int, date] | None = None
    for enrolment_id, day, caseworker_id, row_id in rows:
        if (enrolment_id, day) != last:
            if enrolment_id not in spells and len(spells) >= SPELLS_PER_STEP:
                yield spells
                spells = {}
            spells.setdefault(enrolment_id, []).append((day, set(), []))
            last = (enrolment_id, day)
        _day, caseworkers, row_ids = spells[enrolment_id][-1]
        if caseworker_id is not None:
            caseworkers.add(caseworker_id)
        if row_id is not None:
            row_ids.append(row_id)
    if spells:
        yield spells


def _insert_rounds(ctx: Context, staged: Any) -> dict[str, int]:
    """INSERT ... SELECT from the staging rows: rounds that are not stored yet (the
    team and case worker at the time from the history just built), the responses
    they lack, and every answer."""
    now = timezone.now()
    r, e, a = Round._meta.db_table, Enrolment._meta.db_table, Assignment._meta.db_table
    resp, ans = Response._meta.db_table, Answer._meta.db_table
    rows_sql, rows_params = select_sql(
        typed(
            staged,
            enrolment_id="int",
            round_date="date",
            respondent="text",
            question_id="int",
            value="int",
            reason="text",
            version_id="int",
            caseworker_id="int",
        )
    )
    holder = (
        f'SELECT {{col}} FROM "{a}" x WHERE x.enrolment_id = s.s_enrolment_id '  # noqa: S608
        f"AND x.start <= s.s_round_date ORDER BY x.start DESC, x.id DESC LIMIT 1"
    )
    stamp = (
        "(s.s_round_date::timestamp AT TIME ZONE 'UTC')"
        if is_postgres(connection)
        else "(s.s_round_date || ' 00:00:00')"
    )
    now_value = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO "{r}" (enrolment_id, municipality_id, instrument_version_id,
                state, round_date, team_id, caseworker_id, target_group_id,
                lock_version, both_in_on, created_by_id, created_at, updated_at)
            SELECT s.s_enrolment_id, %s, MIN(s.s_version_id), 'complete',
                s.s_round_date,
                COALESCE(({holder.format(col="x.team_id")}), en.team_id),
                COALESCE(MAX(s.s_caseworker_id), ({holder.format(col="x.caseworker_id")})),
                en.target_group_id, 0, s.s_round_date, %s, %s, %s
            FROM ({rows_sql}) s JOIN "{e}" en ON en.id = s.s_enrolment_id
            WHERE NOT EXISTS (
                SELECT 1 FROM "{r}" o WHERE o.enrolment_id = s.s_enrolment_id
                AND o.round_date = s.s_round_date AND o.state = 'complete')
            GROUP BY s.s_enrolment_id, s.s_round_date, en.team_id, en.target_group_id
            """,  # noqa: S608 - table names from the models, values bound
            [ctx.municipality_id, ctx.user.pk, now_value, now_value, *rows_params],
        )
        rounds = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO "{resp}" (round_id, respondent, state, channel, submitted_at,
                created_at, updated_at)
            SELECT DISTINCT o.id, s.s_respondent, 'submitted', 'import', {stamp}, %s, %s
            FROM ({rows_sql}) s JOIN "{r}" o ON o.enrolment_id = s.s_enrolment_id
                AND o.round_date = s.s_round_date AND o.state = 'complete'
            WHERE NOT EXISTS (
                SELECT 1 FROM "{resp}" p WHERE p.round_id = o.id
                AND p.respondent = s.s_respondent)
            """,  # noqa: S608
            [now_value, now_value, *rows_params],
        )
        cursor.execute(
            f"""
            INSERT INTO "{ans}" (response_id, question_id, value, missing_reason,
                answered_at, correction_reason)
            SELECT p.id, s.s_question_id, s.s_value, COALESCE(s.s_reason, ''), %s, ''
            FROM ({rows_sql}) s JOIN "{r}" o ON o.enrolment_id = s.s_enrolment_id
                AND o.round_date = s.s_round_date AND o.state = 'complete'
            JOIN "{resp}" p ON p.round_id = o.id AND p.respondent = s.s_respondent
            """,  # noqa: S608
            [now_value, *rows_params],
        )
        answers = cursor.rowcount
    return {"rounds": rounds, "answers": answers}

"""Import formats for outcomes (register extracts) and intervention episodes.

Both are saved set-wise: episodes by INSERT ... SELECT from the staging table,
outcomes in a stream over the staged rows sorted by citizen, with the outcome rules
(14-day de-duplication, an imported outcome replacing a hand-entered one, a job,
education or other exit ending the spell) decided per citizen and written in bulk."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.accounts.models import Municipality
from bip.db import copy_rows, stream
from bip.forms import DateInput
from bip.imports.common import (
    date_of,
    select_sql,
    staged_citizen_ids,
    text_of,
    typed,
)
from bip.imports.formats import Column, Context, ImportFormat, RawRow, RowResult
from bip.imports.reading import fold_code, parse_decimal
from citizens.imports import CPR_COLUMN, CitizenRows
from citizens.models import Assignment, Enrolment
from interventions.models import InterventionEpisode, Outcome
from interventions.services import DEDUP_DAYS, catalogue, outcome_decision

OUTCOME_NAMES = {
    fold_code(name): kind
    for name, kind in {
        "job": "job",
        "ordinary job": "job",
        "ordinært job": "job",
        "almindeligt job": "job",
        "education": "education",
        "uddannelse": "education",
        "subsidised job": "subsidised_job",
        "subsidized job": "subsidised_job",
        "løntilskud": "subsidised_job",
        "job med løntilskud": "subsidised_job",
        "other exit": "other_exit",
        "anden afgang": "other_exit",
        "back on benefit": "back_on_benefit",
        "tilbage på ydelse": "back_on_benefit",
    }.items()
}
CITIZENS_PER_STEP = 1000  # citizens whose outcomes are decided and written together
OUTCOME_FIELDS = [
    "citizen",
    "enrolment",
    "municipality",
    "kind",
    "date",
    "source",
    "import_batch_id",
    "created_by",
    "created_at",
    "updated_at",
]


class OutcomeFormat(ImportFormat):
    kind = "outcomes"
    label = gettext_lazy("Outcomes from a register extract")
    columns = (
        CPR_COLUMN,
        Column("outcome", gettext_lazy("Outcome"), aliases=("udfald", "kind")),
        Column("date", gettext_lazy("Date"), aliases=("dato",)),
    )
    duplicate_message = gettext_lazy(
        "The same citizen, outcome and date appear more than once in the file."
    )

    def option_fields(self) -> dict[str, Any]:
        return {
            "outcomes_known_until": forms.DateField(
                label=gettext_lazy("Register outcomes are complete until"),
                widget=DateInput(),
                help_text=gettext_lazy(
                    "The last day the register extract covers. Later windows are left out of model fitting."
                ),
            )
        }

    def options_from(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"outcomes_known_until": data["outcomes_known_until"].isoformat()}

    def validate_chunk(self, ctx: Context, rows: list[RawRow]) -> list[RowResult]:
        results = [RowResult(r.number) for r in rows]
        found = CitizenRows(ctx, rows, results, spells=False)
        stored: dict[tuple[int, str], list[date]] = defaultdict(list)
        for citizen_id, kind, day in Outcome.objects.filter(
            citizen_id__in={c for c in found.citizen_ids if c}
        ).values_list("citizen_id", "kind", "date"):
            stored[(citizen_id, kind)].append(day)
        today = timezone.localdate()
        for i, (raw, res) in enumerate(zip(rows, results, strict=True)):
            kind = OUTCOME_NAMES.get(fold_code(raw.values.get("outcome")))
            if kind is None:
                res.error(
                    "outcome",
                    _(
                        "Unknown outcome %(value)s (use job, education, subsidised_job, other_exit or back_on_benefit)."
                    )
                    % {"value": text_of(raw, "outcome")},
                )
            day = date_of(raw, res, "date")
            if day and day > today:
                res.error("date", _("The date is in the future."))
            citizen_id = found.citizen(i, res)
            if found.key(i) and kind and day:
                res.key = f"{found.key(i)}|{kind}|{day.isoformat()}"
            res.data.update(
                {
                    "citizen_id": citizen_id,
                    "kind": kind,
                    "date": day.isoformat() if day else None,
                }
            )
            if res.errors or citizen_id is None:
                continue
            days = stored.get((citizen_id, kind), [])
            if day in days:
                res.same = True
            elif any(abs((day - d).days) <= DEDUP_DAYS for d in days):
                res.warn(
                    "date",
                    _(
                        "Within %(n)s days of a stored outcome of the same kind: counted as the same event."
                    )
                    % {"n": DEDUP_DAYS},
                )
        return results

    def commit(self, ctx: Context, staged: Any) -> dict[str, Any]:
        counts = {"created": 0, "merged": 0, "replaced": 0, "spells_ended": 0}
        for citizens in _outcomes_by_citizen(staged):
            step = _decide_outcomes(ctx, citizens)
            for name, value in step.items():
                counts[name] += value
        until = ctx.options.get("outcomes_known_until")
        if until:
            Municipality.objects.filter(pk=ctx.municipality_id).update(
                outcomes_known_until=date.fromisoformat(until)
            )
        return {**counts, "citizen_ids": staged_citizen_ids(staged)}


def _outcomes_by_citizen(
    staged: Any,
) -> Iterator[dict[int, list[tuple[date, str]]]]:
    """The staged outcomes sorted by citizen and date, a thousand citizens a step."""
    qs = typed(staged, citizen_id="int", date="date", kind="text").order_by(
        "s_citizen_id", "s_date", "s_kind"
    )
    chunk: dict[int, list[tuple[date, str]]] = {}
    for row in stream(qs):
        citizen_id = row["s_citizen_id"]
        if citizen_id not in chunk and len(chunk) >= CITIZENS_PER_STEP:
            yield chunk
            chunk = {}
        chunk.setdefault(citizen_id, []).append((row["s_date"], row["s_kind"]))
    if chunk:
        yield chunk


@dataclass
class _Seen:
    """An outcome as the rules see it: stored (with its id) or new in this step."""

    date: date
    source: str
    pk: int | None = None


def _decide_outcomes(
    ctx: Context, citizens: dict[int, list[tuple[date, str]]]
) -> dict[str, int]:
    """Apply the outcome rules to a step's citizens in date order, as the hand-entry
    service would one outcome at a time, then write the step in bulk."""
    stored: dict[tuple[int, str], list[_Seen]] = defaultdict(list)
    for pk, citizen_id, kind, day, source in (
        Outcome.objects.filter(citizen_id__in=list(citizens))
        .order_by("date", "pk")
        .values_list("pk", "citizen_id", "kind", "date", "source")
    ):
        stored[(citizen_id, kind)].append(_Seen(day, source, pk))
    spells: dict[int, list[Enrolment]] = defaultdict(list)
    for e in Enrolment.objects.filter(citizen_id__in=list(citizens)).order_by("start"):
        spells[e.citizen_id].append(e)
    now = timezone.now()
    created: list[tuple[Any, ...]] = []  # rows for COPY
    replaced: dict[int, _Seen] = {}
    ended: dict[int, Enrolment] = {}
    merged = 0
    for citizen_id, rows in citizens.items():
        for day, kind in rows:
            outcomes = stored[(citizen_id, kind)]
            action, near = outcome_decision(outcomes, day, Outcome.Source.IMPORT)
            if action == "replace" and near is not None:
                outcomes.remove(near)
                near.date, near.source = day, Outcome.Source.IMPORT
                bisect.insort(outcomes, near, key=lambda o: o.date)
                replaced[near.pk] = near  # type: ignore[index]
            if action != "create":
                merged += 1
                continue
            spell = next(
                (
                    e
                    for e in reversed(spells[citizen_id])
                    if e.start <= day and (e.end is None or e.end >= day)
                ),
                None,
            )
            bisect.insort(
                outcomes, _Seen(day, Outcome.Source.IMPORT), key=lambda o: o.date
            )
            created.append(
                (
                    citizen_id,
                    spell.pk if spell else None,
                    ctx.municipality_id,
                    kind,
                    day,
                    Outcome.Source.IMPORT,
                    ctx.batch_id,
                    ctx.user.pk,
                    now,
                    now,
                )
            )
            if kind in Outcome.ENDING_KINDS and spell is not None and spell.end is None:
                spell.end, spell.end_reason = max(day, spell.start), kind
                spell.updated_at = now
                ended[spell.pk] = spell
    copy_rows(Outcome, OUTCOME_FIELDS, created)
    Outcome.objects.bulk_update(
        [
            Outcome(
                pk=pk,
                date=seen.date,
                source=seen.source,
                import_batch_id=ctx.batch_id,
                updated_at=now,
            )
            for pk, seen in replaced.items()
        ],
        ["date", "source", "import_batch_id", "updated_at"],
        batch_size=1000,
    )
    Enrolment.objects.bulk_update(
        ended.values(), ["end", "end_reason", "updated_at"], batch_size=1000
    )
    if ended:  # their open assignment ends with the spell (citizens.services)
        Assignment.objects.filter(
            enrolment_id__in=list(ended), end__isnull=True
        ).update(
            end=Greatest(
                F("start"),
                Subquery(
                    Enrolment.objects.filter(pk=OuterRef("enrolment_id")).values("end")
                ),
            )
        )
    return {
        "created": len(created),
        "merged": merged,
        "replaced": len(replaced),
        "spells_ended": len(ended),
    }


class EpisodeFormat(ImportFormat):
    kind = "episodes"
    label = gettext_lazy("Intervention episodes")
    columns = (
        CPR_COLUMN,
        Column(
            "type",
            gettext_lazy("Intervention type code"),
            aliases=("type_code", "indsats", "indsatstype"),
        ),
        Column("start", gettext_lazy("Start"), aliases=("startdato",)),
        Column(
            "end", gettext_lazy("End"), required=False, aliases=("slut", "slutdato")
        ),
        Column(
            "provider",
            gettext_lazy("Provider"),
            required=False,
            aliases=("leverandør", "leverandoer"),
        ),
        Column(
            "hours_per_week",
            gettext_lazy("Hours per week"),
            required=False,
            aliases=("timer", "timer pr. uge"),
        ),
    )
    duplicate_message = gettext_lazy(
        "The same citizen, intervention and start date appear more than once in the file."
    )

    def validate_chunk(self, ctx: Context, rows: list[RawRow]) -> list[RowResult]:
        types = {}
        for t in catalogue(municipality_id=ctx.municipality_id):
            types[fold_code(t.code)] = t
        results = [RowResult(r.number) for r in rows]
        found = CitizenRows(ctx, rows, results)
        spell_ids = [s.pk for items in found.spells.values() for s in items]
        existing = {
            (e.enrolment_id, e.type_id, e.start): e
            for e in InterventionEpisode.objects.filter(enrolment_id__in=spell_ids)
        }
        for i, (raw, res) in enumerate(zip(rows, results, strict=True)):
            t = types.get(fold_code(raw.values.get("type")))
            if t is None:
                res.error(
                    "type",
                    _("Unknown intervention type code %(code)s.")
                    % {"code": text_of(raw, "type")},
                )
            start = date_of(raw, res, "start")
            end = date_of(raw, res, "end", required=False)
            if start and end and end < start:
                res.error("end", _("The end date is before the start date."))
            if t and start and not t.valid_on(start):
                res.error(
                    "type", _("This intervention type is not in use on the start date.")
                )
            hours = _hours(raw, res)
            citizen_id = found.citizen(i, res)
            spell = found.spell(citizen_id, start, res, "start")
            if found.key(i) and t and start:
                res.key = f"{found.key(i)}|{t.code}|{start.isoformat()}"
            provider = text_of(raw, "provider")[:150]
            res.data.update(
                {
                    "citizen_id": citizen_id,
                    "enrolment_id": spell.pk if spell else None,
                    "type_id": t.pk if t else None,
                    "start": start.isoformat() if start else None,
                    "end": end.isoformat() if end else None,
                    "provider": provider,
                    "hours_per_week": str(hours) if hours is not None else None,
                }
            )
            if spell and t and start and not res.errors:
                old = existing.get((spell.pk, t.pk, start))
                if old is not None:
                    if (old.end, old.provider, old.hours_per_week) == (
                        end,
                        provider,
                        hours,
                    ):
                        res.same = True
                    else:
                        res.error(
                            "",
                            _(
                                "This episode is already stored with other values (end, provider or hours): a conflict, not overwritten."
                            ),
                        )
        return results

    def commit(self, ctx: Context, staged: Any) -> dict[str, Any]:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows_sql, params = select_sql(
            typed(
                staged,
                enrolment_id="int",
                type_id="int",
                start="date",
                end="date",
                provider="text",
                hours_per_week="decimal",
            )
        )
        table = InterventionEpisode._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO "{table}" (enrolment_id, municipality_id, type_id, start,
                    "end", provider, hours_per_week, note, source, import_batch_id,
                    created_by_id, created_at, updated_at)
                SELECT s.s_enrolment_id, %s, s.s_type_id, s.s_start, s.s_end,
                    COALESCE(s.s_provider, ''), s.s_hours_per_week, '', 'import', %s,
                    %s, %s, %s
                FROM ({rows_sql}) s
                """,  # noqa: S608 - the table name from the model, values bound
                [ctx.municipality_id, ctx.batch_id, ctx.user.pk, now, now, *params],
            )
            created = cursor.rowcount
        return {"created": created, "citizen_ids": staged_citizen_ids(staged)}


def _hours(raw: RawRow, res: RowResult) -> Decimal | None:
    """Hours per week as the form takes them: 0 to 80 with at most one decimal. A value
    with more decimals is refused, never rounded without a word."""
    if not text_of(raw, "hours_per_week"):
        return None
    try:
        hours = parse_decimal(raw.values["hours_per_week"])
    except ValueError as exc:
        res.error("hours_per_week", str(exc))
        return None
    if not 0 <= hours <= 80:
        res.error("hours_per_week", _("Hours per week must be from 0 to 80."))
        return None
    if hours != hours.quantize(Decimal("0.1")):
        res.error(
            "hours_per_week",
            _("%(value)s has more than one decimal: give hours per week as 12,5 or 13.")
            % {"value": text_of(raw, "hours_per_week")},
        )
        return None
    return hours

"""Import formats for outcomes (register extracts) and intervention episodes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.forms import DateInput
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

OUTCOME_NAMES = {
    "job": "job",
    "ordinary job": "job",
    "ordinært job": "job",
    "ordinaert job": "job",
    "education": "education",
    "uddannelse": "education",
    "subsidised_job": "subsidised_job",
    "subsidised job": "subsidised_job",
    "løntilskud": "subsidised_job",
    "job med løntilskud": "subsidised_job",
    "other_exit": "other_exit",
    "other exit": "other_exit",
    "anden afgang": "other_exit",
    "back_on_benefit": "back_on_benefit",
    "back on benefit": "back_on_benefit",
    "tilbage på ydelse": "back_on_benefit",
}
CPR = Column(
    "cpr", gettext_lazy("CPR number"), aliases=("cpr-nummer", "cprnr", "cpr_nr")
)


class OutcomeFormat(ImportFormat):
    kind = "outcomes"
    label = gettext_lazy("Outcomes from a register extract")
    columns = (
        CPR,
        Column("outcome", gettext_lazy("Outcome"), aliases=("udfald", "kind")),
        Column("date", gettext_lazy("Date"), aliases=("dato",)),
    )
    duplicate_message = gettext_lazy(
        "The same citizen, outcome and date appear more than once in the file."
    )

    def option_fields(self) -> dict[str, Any]:
        from django import forms

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
        from interventions.models import Outcome

        results = [RowResult(r.number) for r in rows]
        parsed = [cpr_of(r, res) for r, res in zip(rows, results, strict=True)]
        known = citizens_by_hmac(ctx.municipality_id, parsed)
        today = timezone.localdate()
        keys = []
        for raw, res, p in zip(rows, results, parsed, strict=True):
            kind = OUTCOME_NAMES.get(text_of(raw, "outcome").lower())
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
            citizen_id = None
            if p is not None:
                citizen_id = known.get(crypto.keyed_hash(p.digits))
                if citizen_id is None:
                    res.error("cpr", not_found_message(p.masked))
            if p is not None and kind and day:
                res.key = f"{crypto.keyed_hash(p.digits)}|{kind}|{day.isoformat()}"
            res.data.update(
                {
                    "citizen_id": citizen_id,
                    "kind": kind,
                    "date": day.isoformat() if day else None,
                }
            )
            keys.append((citizen_id, kind, day))
        existing = set(
            Outcome.objects.filter(
                citizen_id__in={k[0] for k in keys if k[0]}
            ).values_list("citizen_id", "kind", "date")
        )
        for res, key in zip(results, keys, strict=True):
            if not res.errors and key in existing:
                res.same = True
        return results

    def commit(self, ctx: Context, rows: Iterable[Any]) -> dict[str, Any]:
        return _commit_outcomes(ctx, rows)


def _commit_outcomes(ctx: Context, rows: Iterable[Any]) -> dict[str, Any]:
    """Through the outcome service: de-duplication within 14 days, imported wins over
    manual, and a job, education or other exit ends the open enrolment."""
    from bip.accounts.models import Municipality
    from citizens.models import Citizen
    from interventions.models import Outcome
    from interventions.services import outcome_record

    created = merged = 0
    ids = []
    for row in rows:
        citizen = Citizen.objects.get(
            pk=row.data["citizen_id"], municipality_id=ctx.municipality_id
        )
        _outcome, was_created = outcome_record(
            citizen=citizen,
            kind=row.data["kind"],
            day=date.fromisoformat(row.data["date"]),
            by=ctx.user,
            source=Outcome.Source.IMPORT,
            import_batch_id=ctx.batch_id,
        )
        created += was_created
        merged += not was_created
        ids.append(citizen.pk)
    until = ctx.options.get("outcomes_known_until")
    if until:
        Municipality.objects.filter(pk=ctx.municipality_id).update(
            outcomes_known_until=date.fromisoformat(until)
        )
    return {"created": created, "merged": merged, "citizen_ids": ids}


class EpisodeFormat(ImportFormat):
    kind = "episodes"
    label = gettext_lazy("Intervention episodes")
    columns = (
        CPR,
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
        from citizens.models import Enrolment
        from interventions.models import InterventionEpisode
        from interventions.services import catalogue

        types = {t.code: t for t in catalogue(municipality_id=ctx.municipality_id)}
        results = [RowResult(r.number) for r in rows]
        parsed = [cpr_of(r, res) for r, res in zip(rows, results, strict=True)]
        known = citizens_by_hmac(ctx.municipality_id, parsed)
        enrolments: dict[int, list[Any]] = {}
        for e in Enrolment.objects.filter(citizen_id__in=set(known.values())).order_by(
            "start"
        ):
            enrolments.setdefault(e.citizen_id, []).append(e)
        existing = {
            (e.enrolment_id, e.type_id, e.start): e
            for e in InterventionEpisode.objects.filter(
                enrolment__citizen_id__in=set(known.values())
            )
        }
        for raw, res, p in zip(rows, results, parsed, strict=True):
            code = text_of(raw, "type")
            t = types.get(code)
            if t is None:
                res.error(
                    "type",
                    _("Unknown intervention type code %(code)s.") % {"code": code},
                )
            start = date_of(raw, res, "start")
            end = date_of(raw, res, "end", required=False)
            if start and end and end < start:
                res.error("end", _("The end date is before the start date."))
            if t and start and not t.valid_on(start):
                res.error(
                    "type", _("This intervention type is not in use on the start date.")
                )
            hours = None
            if text_of(raw, "hours_per_week"):
                try:
                    hours = parse_decimal(raw.values["hours_per_week"])
                    if not 0 <= hours <= 80:
                        res.error(
                            "hours_per_week", _("Hours per week must be from 0 to 80.")
                        )
                except ValueError as exc:
                    res.error("hours_per_week", str(exc))
            citizen_id = known.get(crypto.keyed_hash(p.digits)) if p else None
            if p is not None and citizen_id is None:
                res.error("cpr", not_found_message(p.masked))
            enrolment = None
            if citizen_id and start:
                enrolment = next(
                    (
                        e
                        for e in enrolments.get(citizen_id, [])
                        if e.start <= start and (e.end is None or start <= e.end)
                    ),
                    None,
                )
                if enrolment is None:
                    res.error(
                        "start",
                        _("The start date is outside the citizen's enrolments."),
                    )
            if p and t and start:
                res.key = f"{crypto.keyed_hash(p.digits)}|{t.code}|{start.isoformat()}"
            provider = text_of(raw, "provider")[:150]
            res.data.update(
                {
                    "citizen_id": citizen_id,
                    "enrolment_id": enrolment.pk if enrolment else None,
                    "type_id": t.pk if t else None,
                    "start": start.isoformat() if start else None,
                    "end": end.isoformat() if end else None,
                    "provider": provider,
                    "hours_per_week": str(hours) if hours is not None else None,
                }
            )
            if enrolment and t and start and not res.errors:
                old = existing.get((enrolment.pk, t.pk, start))
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

    def commit(self, ctx: Context, rows: Iterable[Any]) -> dict[str, Any]:
        from interventions.models import InterventionEpisode

        batch, ids = [], []
        for row in rows:
            d = row.data
            batch.append(
                InterventionEpisode(
                    enrolment_id=d["enrolment_id"],
                    municipality_id=ctx.municipality_id,
                    type_id=d["type_id"],
                    start=date.fromisoformat(d["start"]),
                    end=date.fromisoformat(d["end"]) if d["end"] else None,
                    provider=d["provider"],
                    hours_per_week=d["hours_per_week"],
                    source="import",
                    import_batch_id=ctx.batch_id,
                    created_by=ctx.user,
                )
            )
            ids.append(d["citizen_id"])
        InterventionEpisode.objects.bulk_create(batch, batch_size=2000)
        return {"created": len(batch), "citizen_ids": ids}


__all__ = ["Q"]

"""Writes on intervention episodes, outcomes and the municipality's catalogue."""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bip.audit.models import Purpose
from bip.audit.services import record
from citizens.models import Citizen, Enrolment
from citizens.services import enrolment_end, open_enrolment
from interventions.models import InterventionEpisode, InterventionType, Outcome

DEDUP_DAYS = 14  # the same outcome kind within 14 days is one event


def catalogue(*, municipality_id: int) -> QuerySet[InterventionType]:
    """The municipality's own catalogue once it has copied one, else the global one."""
    own = InterventionType.objects.filter(municipality_id=municipality_id)
    if own.exists():
        return own
    return InterventionType.objects.filter(municipality__isnull=True)


@transaction.atomic
def catalogue_copy(*, municipality_id: int, by: Any) -> int:
    if InterventionType.objects.filter(municipality_id=municipality_id).exists():
        return 0  # already copied: a repeated POST does nothing
    rows = [
        InterventionType(
            municipality_id=municipality_id,
            code=t.code,
            group=t.group,
            label_da=t.label_da,
            label_en=t.label_en,
            valid_from=t.valid_from,
            valid_to=t.valid_to,
        )
        for t in InterventionType.objects.filter(municipality__isnull=True)
    ]
    InterventionType.objects.bulk_create(rows)
    record(
        actor=by,
        action="catalogue.copy",
        purpose=Purpose.ADMINISTRATION,
        object_type="municipality",
        object_id=municipality_id,
        write=True,
    )
    return len(rows)


def _check(episode: InterventionEpisode) -> None:
    if episode.end is not None and episode.end < episode.start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    if not episode.type.valid_on(episode.start):
        raise ValidationError(
            {"type": _("This intervention type is not in use on the start date.")}
        )
    enrolment = episode.enrolment
    if episode.start < enrolment.start or (
        enrolment.end and episode.start > enrolment.end
    ):
        raise ValidationError(
            {"start": _("The start date is outside the citizen's enrolment.")}
        )
    far = date.max
    overlapping = InterventionEpisode.objects.filter(
        enrolment_id=episode.enrolment_id,
        type_id=episode.type_id,
        start__lte=episode.end or far,
    ).filter(Q(end__isnull=True) | Q(end__gte=episode.start))
    if episode.pk:
        overlapping = overlapping.exclude(pk=episode.pk)
    if overlapping.exists():
        raise ValidationError(
            _("The citizen already has this intervention in that period.")
        )


def _audit(by: Any, action: str, episode: InterventionEpisode) -> None:
    record(
        actor=by,
        action=action,
        obj=episode,
        citizen_ids=[episode.enrolment.citizen_id],
        write=True,
    )


@transaction.atomic
def episode_create(
    *,
    citizen: Citizen,
    type: InterventionType,
    start: date,
    end: date | None,
    provider: str = "",
    hours_per_week: Decimal | None = None,
    note: str = "",
    by: Any,
) -> InterventionEpisode:
    enrolment = open_enrolment(citizen)
    if enrolment is None:
        raise ValidationError(_("The citizen is not enrolled."))
    if type.municipality_id not in (None, citizen.municipality_id):
        raise ValidationError(
            {"type": _("Choose a type from your municipality's catalogue.")}
        )
    episode = InterventionEpisode(
        enrolment=enrolment,
        municipality_id=citizen.municipality_id,
        type=type,
        start=start,
        end=end,
        provider=provider.strip(),
        hours_per_week=hours_per_week,
        note=note.strip(),
        created_by=by,
    )
    _check(episode)
    episode.full_clean()
    episode.save()
    _audit(by, "episode.create", episode)
    return episode


@transaction.atomic
def episode_update(
    *, episode: InterventionEpisode, by: Any, **fields: Any
) -> InterventionEpisode:
    for name in ("type", "start", "end", "provider", "hours_per_week", "note"):
        if name in fields:
            setattr(episode, name, fields[name])
    _check(episode)
    episode.full_clean()
    episode.save()
    _audit(by, "episode.update", episode)
    return episode


@transaction.atomic
def episode_start_many(
    *,
    citizens: list[Citizen],
    type: InterventionType,
    start: date,
    end: date | None,
    provider: str,
    by: Any,
) -> tuple[list[InterventionEpisode], list[tuple[Citizen, str]]]:
    """Start one intervention for several citizens; all or nothing."""
    created, refused = [], []
    for citizen in citizens:
        try:
            with transaction.atomic():
                created.append(
                    episode_create(
                        citizen=citizen,
                        type=type,
                        start=start,
                        end=end,
                        provider=provider,
                        by=by,
                    )
                )
        except ValidationError as exc:
            refused.append((citizen, " ".join(exc.messages)))
    if refused:
        transaction.set_rollback(True)
        return [], refused
    return created, []


class Dated(Protocol):
    date: date
    source: str


D = TypeVar("D", bound=Dated)


def outcome_decision(outcomes: list[D], day: date, source: str) -> tuple[str, D | None]:
    """What a new outcome of a kind on `day` does, given the citizen's stored outcomes
    of that kind sorted by date: the same kind within 14 days is one event ("merge"),
    where an imported outcome replaces a hand-entered one ("replace"); otherwise a
    new event ("create"). The hand-entry service and the import both decide here."""
    i = bisect.bisect_left(
        outcomes, day - timedelta(days=DEDUP_DAYS), key=lambda o: o.date
    )
    near = outcomes[i] if i < len(outcomes) else None
    if near is None or near.date > day + timedelta(days=DEDUP_DAYS):
        return "create", None
    if source == Outcome.Source.IMPORT and near.source == Outcome.Source.MANUAL:
        return "replace", near
    return "merge", near


@transaction.atomic
def outcome_record(
    *,
    citizen: Citizen,
    kind: str,
    day: date,
    by: Any,
    source: str = Outcome.Source.MANUAL,
    import_batch_id: int | None = None,
) -> tuple[Outcome, bool]:
    """Record an outcome (see outcome_decision). An ordinary job, education or other
    exit ends the open enrolment (and so the round schedule); a subsidised job does
    not.

    Returns (outcome, created)."""
    if kind not in Outcome.Kind.values:
        raise ValidationError({"kind": _("Unknown outcome.")})
    stored = list(
        Outcome.objects.select_for_update()
        .filter(citizen=citizen, kind=kind)
        .order_by("date", "pk")
    )
    action, near = outcome_decision(stored, day, source)
    if near is not None:
        if action == "replace":
            near.date, near.source, near.import_batch_id = day, source, import_batch_id
            near.save(update_fields=["date", "source", "import_batch_id", "updated_at"])
            record(
                actor=by,
                action="outcome.replace",
                obj=near,
                citizen_ids=[citizen.pk],
                write=True,
            )
        return near, False
    enrolment: Enrolment | None = (
        citizen.enrolments.filter(start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .order_by("-start")
        .first()
    )
    outcome = Outcome.objects.create(
        citizen=citizen,
        enrolment=enrolment,
        municipality_id=citizen.municipality_id,
        kind=kind,
        date=day,
        source=source,
        import_batch_id=import_batch_id,
        created_by=by,
    )
    if kind in Outcome.ENDING_KINDS and enrolment is not None and enrolment.end is None:
        enrolment_end(
            citizen=citizen, end=max(day, enrolment.start), reason=kind, by=by
        )
    record(
        actor=by,
        action="outcome.create",
        obj=outcome,
        citizen_ids=[citizen.pk],
        write=True,
    )
    return outcome, True

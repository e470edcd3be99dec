"""Writes on citizens, enrolments and assignments. Every write is audited in the
same transaction; the citizen's current team and case worker follow the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bip.accounts.models import Membership, Role, Team
from bip.audit.services import record
from citizens import cpr, crypto
from citizens.models import Assignment, Citizen, Enrolment, TargetGroup


@dataclass
class Saved:
    citizen: Citizen
    warnings: list[str] = field(default_factory=list)


def _check_caseworker(*, caseworker: Any, team: Team, on: date) -> None:
    works_there = (
        Membership.objects.current(on)
        .filter(
            user=caseworker, team=team, role__in=[Role.CASEWORKER, Role.TEAM_LEADER]
        )
        .exists()
    )
    if not works_there:
        raise ValidationError({"caseworker": _("The case worker is not on that team.")})


def _check_target_group(target_group: TargetGroup, on: date) -> None:
    if not target_group.valid_on(on):
        raise ValidationError(
            {"target_group": _("The target group is not valid on the enrolment date.")}
        )


def _audit(by: Any, action: str, citizen: Citizen) -> None:
    record(actor=by, action=action, obj=citizen, citizen_ids=[citizen.pk], write=True)


def _open_spell(
    *,
    citizen: Citizen,
    team: Team,
    caseworker: Any,
    target_group: TargetGroup,
    start: date,
) -> Enrolment:
    """A new enrolment with its first assignment; the citizen's current placement."""
    enrolment = Enrolment.objects.create(
        citizen=citizen,
        municipality_id=citizen.municipality_id,
        unit_id=team.unit_id,
        team=team,
        target_group=target_group,
        start=start,
    )
    Assignment.objects.create(
        enrolment=enrolment,
        municipality_id=citizen.municipality_id,
        caseworker=caseworker,
        team=team,
        start=start,
    )
    if (citizen.caseworker_id, citizen.team_id) != (caseworker.pk, team.pk):
        citizen.caseworker, citizen.team = caseworker, team
        citizen.save(update_fields=["caseworker", "team", "updated_at"])
    return enrolment


class DuplicateCitizen(ValidationError):
    """The CPR number already belongs to a citizen of this municipality. The same
    words whether or not the person is known elsewhere: only this municipality is ever
    searched. `citizen` lets the view offer the citizen or name whom to contact."""

    def __init__(self, citizen: Citizen) -> None:
        super().__init__(
            {
                "cpr": _(
                    "A citizen with this CPR number is already registered in your municipality."
                )
            }
        )
        self.citizen = citizen


def _find_duplicate(
    *, municipality_id: int, digits: str, by: Any, exclude_pk: int | None = None
) -> DuplicateCitizen | None:
    existing = (
        Citizen.objects.filter(
            municipality_id=municipality_id, cpr_hmac=crypto.keyed_hash(digits)
        )
        .exclude(pk=exclude_pk)
        .select_related("team__unit")
        .first()
    )
    if existing is None:
        return None
    # A lookup by CPR that found a person, also outside the user's teams: logged on
    # the audit connection, so the event stays when the refused write rolls back.
    record(
        actor=by,
        action="citizen.cpr_match",
        obj=existing,
        citizen_ids=[existing.pk],
        criterion_masked=f"cpr={cpr.mask(digits)}",
    )
    return DuplicateCitizen(existing)


@transaction.atomic
def citizen_create(
    *,
    municipality_id: int,
    cpr_number: str,
    name: str,
    team: Team,
    caseworker: Any,
    target_group: TargetGroup,
    enrolment_start: date,
    by: Any,
    preferred_language: str = "da",
    phone: str = "",
    email: str = "",
) -> Saved:
    parsed = cpr.parse(cpr_number)  # CprError (a ValueError) for an impossible number
    if team.municipality_id != municipality_id:
        raise ValidationError({"team": _("Choose a team in your municipality.")})
    _check_caseworker(caseworker=caseworker, team=team, on=enrolment_start)
    _check_target_group(target_group, enrolment_start)
    duplicate = _find_duplicate(
        municipality_id=municipality_id, digits=parsed.digits, by=by
    )
    if duplicate is not None:
        raise duplicate
    citizen = Citizen(
        municipality_id=municipality_id,
        team=team,
        caseworker=caseworker,
        preferred_language=preferred_language,
        phone=phone,
        email=email,
    )
    citizen.set_cpr(parsed)
    citizen.set_name(name)
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError:  # a concurrent create of the same person
        duplicate = _find_duplicate(
            municipality_id=municipality_id, digits=parsed.digits, by=by
        )
        if duplicate is None:
            raise
        raise duplicate from None
    _open_spell(
        citizen=citizen,
        team=team,
        caseworker=caseworker,
        target_group=target_group,
        start=enrolment_start,
    )
    _audit(by, "citizen.create", citizen)
    return Saved(citizen, list(parsed.warnings))


@transaction.atomic
def citizen_update(
    *,
    citizen: Citizen,
    by: Any,
    name: str,
    cpr_number: str,
    preferred_language: str,
    phone: str,
    email: str,
    round_interval_days: int | None,
) -> Saved:
    parsed = cpr.parse(cpr_number)
    warnings = list(parsed.warnings)
    changed_cpr = crypto.keyed_hash(parsed.digits) != citizen.cpr_hmac
    if changed_cpr:
        clash = _find_duplicate(
            municipality_id=citizen.municipality_id,
            digits=parsed.digits,
            by=by,
            exclude_pk=citizen.pk,
        )
        if clash is not None:
            raise clash
        citizen.set_cpr(parsed)  # a corrected CPR: new ciphertext and keyed hash
    citizen.set_name(name)
    citizen.preferred_language = preferred_language
    citizen.phone, citizen.email = phone, email
    citizen.round_interval_days = round_interval_days
    citizen.full_clean(exclude=["cpr_ciphertext"])
    citizen.save()
    _audit(by, "citizen.cpr_correct" if changed_cpr else "citizen.update", citizen)
    return Saved(citizen, warnings)


def open_enrolment(citizen: Citizen) -> Enrolment | None:
    return citizen.enrolments.filter(end__isnull=True).first()


@transaction.atomic
def assignment_change(
    *, citizen: Citizen, caseworker: Any, team: Team, start: date, by: Any
) -> Assignment:
    """Hand the citizen to another case worker (and maybe team) from `start`."""
    enrolment = open_enrolment(citizen)
    if enrolment is None:
        raise ValidationError(_("The citizen is not enrolled."))
    if team.municipality_id != citizen.municipality_id:
        raise ValidationError({"team": _("Choose a team in your municipality.")})
    _check_caseworker(caseworker=caseworker, team=team, on=start)
    current = enrolment.assignments.select_for_update().filter(end__isnull=True).first()
    if current is not None:
        if current.caseworker_id == caseworker.pk and current.team_id == team.pk:
            return current  # no change: a repeated POST does nothing
        if start < current.start:
            raise ValidationError(
                {
                    "start": _(
                        "The change cannot be before the current assignment began."
                    )
                }
            )
        current.end = start
        current.save(update_fields=["end", "updated_at"])
    assignment = Assignment.objects.create(
        enrolment=enrolment,
        municipality_id=citizen.municipality_id,
        caseworker=caseworker,
        team=team,
        start=start,
    )
    if enrolment.team_id != team.pk:
        enrolment.team, enrolment.unit_id = team, team.unit_id
        enrolment.save(update_fields=["team", "unit", "updated_at"])
    citizen.caseworker, citizen.team = caseworker, team
    citizen.save(update_fields=["caseworker", "team", "updated_at"])
    _audit(by, "citizen.assign", citizen)
    return assignment


@transaction.atomic
def enrolment_end(*, citizen: Citizen, end: date, reason: str, by: Any) -> Enrolment:
    enrolment = open_enrolment(citizen)
    if enrolment is None:
        raise ValidationError(_("The citizen is not enrolled."))
    if end < enrolment.start:
        raise ValidationError({"end": _("The end date is before the enrolment date.")})
    enrolment.end, enrolment.end_reason = end, reason
    enrolment.full_clean()
    enrolment.save(update_fields=["end", "end_reason", "updated_at"])
    enrolment.assignments.filter(end__isnull=True).update(end=end)
    _audit(by, "enrolment.end", citizen)
    return enrolment


@transaction.atomic
def enrolment_create(
    *,
    citizen: Citizen,
    team: Team,
    caseworker: Any,
    target_group: TargetGroup,
    start: date,
    by: Any,
) -> Enrolment:
    """Enrol again: a new spell with a new baseline."""
    if open_enrolment(citizen) is not None:
        raise ValidationError(_("The citizen is already enrolled."))
    last = citizen.enrolments.order_by("-end").first()
    if last is not None and last.end and start <= last.end:
        raise ValidationError(
            {"start": _("A new enrolment must start after the last one ended.")}
        )
    _check_caseworker(caseworker=caseworker, team=team, on=start)
    _check_target_group(target_group, start)
    enrolment = _open_spell(
        citizen=citizen,
        team=team,
        caseworker=caseworker,
        target_group=target_group,
        start=start,
    )
    _audit(by, "enrolment.create", citizen)
    return enrolment

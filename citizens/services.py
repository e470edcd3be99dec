"""Writes on citizens, enrolments and assignments. Every write is audited in the
same transaction; the citizen's current team and case worker follow the history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from bip.accounts.models import Membership, Role, Team
from bip.audit.models import Purpose
from bip.audit.services import record
from bip.exceptions import ApplicationError
from bip.imports.models import ImportRow
from citizens import cpr, crypto, history
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
        source=Assignment.Source.ASSUMED,
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
    close_assignments(enrolment_ids=[enrolment.pk], end=end)
    _audit(by, "enrolment.end", citizen)
    return enrolment


def close_assignments(*, enrolment_ids: Iterable[int], end: date) -> int:
    """A spell ends: its open assignment ends with it, never before its own start (a
    case worker who took over after the last historic round; citizens/history.py)."""
    return Assignment.objects.filter(
        enrolment_id__in=list(enrolment_ids), end__isnull=True
    ).update(end=Greatest(F("start"), Value(end)))


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


# --- The case-worker history built from imports (citizens/history.py) ---

# Higher apps give the case workers of a spell's stored rounds (DESIGN section 0: a
# lower app that needs an upper one declares a registry).
_round_evidence: list[Callable[[list[int]], dict[int, list[history.Evidence]]]] = []


def register_round_evidence(
    source: Callable[[list[int]], dict[int, list[history.Evidence]]],
) -> None:
    if source not in _round_evidence:
        _round_evidence.append(source)


HISTORY_CHUNK = 500  # spells read and rebuilt together


def assignment_history_rebuild(
    *,
    municipality_id: int,
    evidence: dict[int, list[history.Evidence]],
    write: bool,
) -> dict[Hashable, history.Conflict]:
    """Rebuild the case-worker history of the spells in `evidence` (enrolment id ->
    the file's case workers) with their stored rounds; with `write`, store it and the
    citizens' current placement. Returns the conflicts by import row key: the caller
    reports them (at the check) or refuses to save (nothing is written then)."""
    conflicts: dict[Hashable, history.Conflict] = {}
    ids = sorted(evidence)
    teams = _team_lookup(municipality_id)
    for i in range(0, len(ids), HISTORY_CHUNK):
        chunk = ids[i : i + HISTORY_CHUNK]
        spells = {e.pk: e for e in Enrolment.objects.filter(pk__in=chunk)}
        stored: dict[int, list[history.Interval]] = defaultdict(list)
        for a in Assignment.objects.filter(enrolment_id__in=chunk).order_by("start"):
            stored[a.enrolment_id].append(
                history.Interval(
                    a.start, a.end, a.caseworker_id, a.team_id, a.source, pk=a.pk
                )
            )
        rounds: dict[int, list[history.Evidence]] = defaultdict(list)
        for source in _round_evidence:
            for enrolment_id, items in source(chunk).items():
                rounds[enrolment_id] += items
        writes = []
        for enrolment_id in chunk:
            spell = spells[enrolment_id]
            result = history.rebuild(
                spell_start=spell.start,
                spell_end=spell.end,
                stored=stored[enrolment_id],
                evidence=[*rounds[enrolment_id], *evidence[enrolment_id]],
                team_for=lambda cw, day, spell=spell: teams(cw, day, spell.team_id),
            )
            conflicts.update(result.conflicts)
            writes.append((spell, stored[enrolment_id], result))
        if write and not conflicts:
            _store_histories(municipality_id, writes)
    return conflicts


def _team_lookup(municipality_id: int) -> Callable[[int, date, int], int]:
    """The team a case worker worked on at a date: their membership then (the spell's
    team where they had several, or none)."""
    memberships: dict[int, list[tuple[date, date | None, int]]] = defaultdict(list)
    for user_id, team_id, start, end in Membership.objects.filter(
        municipality_id=municipality_id,
        team__isnull=False,
        role__in=[Role.CASEWORKER, Role.TEAM_LEADER],
    ).values_list("user_id", "team_id", "valid_from", "valid_to"):
        memberships[user_id].append((start, end, team_id))

    def team_for(caseworker_id: int, day: date, spell_team_id: int) -> int:
        on_day = {
            t
            for start, end, t in memberships.get(caseworker_id, ())
            if start <= day and (end is None or day <= end)
        }
        anytime = {t for _s, _e, t in memberships.get(caseworker_id, ())}
        for candidates in (on_day, anytime):
            if spell_team_id in candidates:
                return spell_team_id
            if len(candidates) == 1:
                return next(iter(candidates))
            if candidates:
                break  # several teams, none of them the spell's: keep the spell's
        return spell_team_id

    return team_for


def _store_histories(
    municipality_id: int,
    writes: list[tuple[Enrolment, list[history.Interval], history.Rebuilt]],
) -> None:
    """Write only what changed: rows that differ are replaced (deleted first, so the
    one-open-assignment index never sees two), the rest stay untouched."""
    delete, create, placements = [], [], []
    for spell, stored, result in writes:
        before = {i.pk: i for i in stored}
        keep = set()
        for interval in result.intervals:
            old = before.get(interval.pk) if interval.pk else None
            if old is not None and (old.end, old.team_id) == (
                interval.end,
                interval.team_id,
            ):
                keep.add(old.pk)
                continue
            create.append(
                Assignment(
                    enrolment_id=spell.pk,
                    municipality_id=municipality_id,
                    caseworker_id=interval.caseworker_id,
                    team_id=interval.team_id,
                    start=interval.start,
                    end=interval.end,
                    source=interval.source,
                )
            )
        delete += [pk for pk in before if pk not in keep]
        current = result.current
        if spell.end is None and current is not None:
            placements.append((spell, current))
    Assignment.objects.filter(pk__in=delete).delete()
    Assignment.objects.bulk_create(create, batch_size=2000)
    # the current placement, only where the history's current case worker moved
    now = {p[0].citizen_id: p[1] for p in placements}
    citizens = [
        c
        for c in Citizen.objects.filter(pk__in=list(now)).only("caseworker", "team")
        if (c.caseworker_id, c.team_id) != (now[c.pk].caseworker_id, now[c.pk].team_id)
    ]
    for c in citizens:
        c.caseworker_id, c.team_id = now[c.pk].caseworker_id, now[c.pk].team_id
    Citizen.objects.bulk_update(citizens, ["caseworker", "team"], batch_size=1000)
    units = dict(Team.objects.values_list("pk", "unit_id"))
    spells = [s for s, current in placements if s.team_id != current.team_id]
    for s in spells:
        s.team_id = now[s.citizen_id].team_id
        s.unit_id = units[s.team_id]
    Enrolment.objects.bulk_update(spells, ["team", "unit"], batch_size=1000)


# --- CPR key rotation (DESIGN section 1) ---


@dataclass
class KeyRotation:
    citizens: int = 0
    reencrypted: int = 0
    rehashed: int = 0
    staged_rows: int = 0
    keys_before: dict[str, int] = field(default_factory=dict)


def cpr_keys_rotate(*, batch_size: int = 500, dry_run: bool = False) -> KeyRotation:
    """Move every stored CPR number to the first key of BIP_CPR_KEYS and the current
    BIP_CPR_HMAC_KEY, in committed chunks: an interrupted run resumes by running
    again, and a second run changes nothing."""
    result = KeyRotation()
    result.keys_before = dict(
        Citizen.objects.values_list("cpr_key_id")
        .annotate(n=models.Count("pk"))
        .order_by("cpr_key_id")
    )
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Citizen.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update()
                .only("municipality_id", "cpr_key_id", "cpr_ciphertext", "cpr_hmac")[
                    :batch_size
                ]
            )
            if not chunk:
                break
            last_pk = chunk[-1].pk
            result.citizens += len(chunk)
            changed = []
            for citizen in chunk:
                digits = crypto.decrypt(citizen.cpr_key_id, citizen.cpr_ciphertext)
                new_hash = crypto.keyed_hash(digits)
                new_key_id, new_token = crypto.rotate(
                    citizen.cpr_key_id, citizen.cpr_ciphertext
                )
                if new_key_id != citizen.cpr_key_id:
                    result.reencrypted += 1
                if new_hash != citizen.cpr_hmac:
                    result.rehashed += 1
                if (new_key_id, new_hash) != (citizen.cpr_key_id, citizen.cpr_hmac):
                    citizen.cpr_key_id, citizen.cpr_ciphertext = new_key_id, new_token
                    citizen.cpr_hmac = new_hash
                    changed.append(citizen)
            _refuse_duplicates(changed)
            if changed and not dry_run:
                Citizen.objects.bulk_update(
                    changed, ["cpr_key_id", "cpr_ciphertext", "cpr_hmac"]
                )
    result.staged_rows = _rotate_staged_import_rows(dry_run=dry_run)
    if not dry_run:
        record(
            actor=None,
            action="cpr.keys_rotate",
            purpose=Purpose.SECURITY,
            object_type="citizen",
        )
    return result


def _refuse_duplicates(changed: list[Citizen]) -> None:
    # Only possible if a citizen was created under the new HMAC key while an older row
    # of the same person still had the old hash: the rotation must not hide that.
    by_hash = {c.cpr_hmac: c for c in changed}
    clash = (
        Citizen.objects.filter(cpr_hmac__in=list(by_hash))
        .exclude(pk__in=[c.pk for c in changed])
        .values_list("pk", "municipality_id", "cpr_hmac")
    )
    for pk, municipality_id, cpr_hmac in clash:
        other = by_hash[cpr_hmac]
        if other.municipality_id == municipality_id:
            raise ApplicationError(
                f"Citizens {other.pk} and {pk} have the same CPR number in "
                f"municipality {municipality_id}; merge them, then run again."
            )


def _rotate_staged_import_rows(*, dry_run: bool) -> int:
    # A citizens import parsed but not yet saved holds encrypted CPR numbers and their
    # keyed hashes, which its commit writes as they are.
    rows = ImportRow.objects.filter(
        batch__committed_at__isnull=True, data__has_key="cpr_enc"
    ).order_by("pk")
    changed = 0
    with transaction.atomic():
        for row in rows.select_for_update().iterator(chunk_size=1000):
            key_id, token = row.data["cpr_enc"].split(":", 1)
            digits = crypto.decrypt(key_id, token)
            new_key_id, new_token = crypto.rotate(key_id, token)
            new_hash = crypto.keyed_hash(digits)
            if (new_key_id, new_hash) == (key_id, row.key):
                continue
            changed += 1
            if not dry_run:
                row.data["cpr_enc"] = f"{new_key_id}:{new_token}"
                row.key = new_hash
                row.save(update_fields=["data", "key"])
    return changed

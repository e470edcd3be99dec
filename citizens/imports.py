"""Import formats keyed by CPR: citizens with their enrolment, and the exact history
of their case workers. Also the steps every format keyed by CPR shares (CitizenRows):
each row's CPR parsed once, the citizens found in one query a chunk, the spell on a
date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import formats as date_formats
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.accounts.models import Membership, Role, Team, User
from bip.db import stream
from bip.exceptions import ApplicationError
from bip.imports.common import date_of, staged_citizen_ids, text_of, typed
from bip.imports.formats import Column, Context, ImportFormat, RawRow, RowResult
from bip.imports.reading import cell_text, fold_code
from citizens import cpr, crypto, history
from citizens.models import Assignment, Citizen, Enrolment, TargetGroup
from citizens.services import HISTORY_CHUNK, assignment_history_rebuild

CPR_COLUMN = Column(
    "cpr", gettext_lazy("CPR number"), aliases=("cpr-nummer", "cprnr", "cpr_nr")
)
# Kinds of outcome that end a spell (interventions.models.Outcome.ENDING_KINDS).
ENDED_BY_OUTCOME = ("job", "education", "other_exit")


def not_found_message(masked: str) -> str:
    # the same words whether or not the person is known in another municipality
    return _("%(cpr)s: not found in your municipality.") % {"cpr": masked}


@dataclass(frozen=True)
class Spell:
    pk: int
    start: date
    end: date | None
    end_reason: str


def spell_on(spells: Sequence[Spell], day: date) -> tuple[Spell | None, bool]:
    """The spell a row dated `day` belongs to, and whether it lies after the spell's
    end. The latest spell that started on or before the day; a day after its end
    still belongs to it when an outcome closed it and no later spell exists, so the
    order of imports (outcomes before or after rounds and episodes) does not matter
    (DESIGN section 6)."""
    started = [s for s in spells if s.start <= day]
    if not started:
        return None, False
    spell = max(started, key=lambda s: s.start)
    if spell.end is None or day <= spell.end:
        return spell, False
    latest = max(spells, key=lambda s: s.start)
    if spell is latest and spell.end_reason in ENDED_BY_OUTCOME:
        return spell, True
    return None, False


class CitizenRows:
    """A chunk's citizens: each row's CPR parsed and hashed once, the citizens of the
    importer's municipality found in one query, and (with `spells`) their spells."""

    def __init__(
        self,
        ctx: Context,
        rows: list[RawRow],
        results: list[RowResult],
        *,
        column: str = "cpr",
        spells: bool = True,
    ) -> None:
        self.parsed: list[cpr.Cpr | None] = []
        self.hmacs: list[str | None] = []
        seen: dict[str, tuple[cpr.Cpr | None, str | None, str | None]] = {}
        for raw, res in zip(rows, results, strict=True):
            text = cell_text(raw.values.get(column))
            if text not in seen:
                seen[text] = _parse(text)
            parsed, digest, problem = seen[text]
            if problem:
                res.error(column, problem)
            elif parsed is not None:
                for warning in parsed.warnings:
                    res.warn(column, f"{parsed.masked}: {warning}")
                res.data["cpr_masked"] = parsed.masked
            self.parsed.append(parsed)
            self.hmacs.append(digest)
        known = dict(
            Citizen.objects.filter(
                municipality_id=ctx.municipality_id,
                cpr_hmac__in={h for h in self.hmacs if h},
            ).values_list("cpr_hmac", "pk")
        )
        self.citizen_ids: list[int | None] = [
            known.get(h) if h else None for h in self.hmacs
        ]
        self.spells: dict[int, list[Spell]] = defaultdict(list)
        if spells and known:
            for row in Enrolment.objects.filter(
                citizen_id__in=known.values()
            ).values_list("citizen_id", "pk", "start", "end", "end_reason"):
                self.spells[row[0]].append(Spell(*row[1:]))

    def citizen(self, index: int, res: RowResult, column: str = "cpr") -> int | None:
        """The row's citizen; an error when the CPR is not known here."""
        parsed, citizen_id = self.parsed[index], self.citizen_ids[index]
        if parsed is not None and citizen_id is None:
            res.error(column, not_found_message(parsed.masked))
        return citizen_id

    def spell(
        self, citizen_id: int | None, day: date | None, res: RowResult, column: str
    ) -> Spell | None:
        """The spell on `day`, an error when there is none, a warning when the row lies
        after a spell that an outcome closed."""
        if citizen_id is None or day is None:
            return None
        spell, after_end = spell_on(self.spells.get(citizen_id, ()), day)
        if spell is None:
            res.error(column, _("The date is outside the citizen's enrolments."))
        elif after_end:
            res.warn(
                column,
                _(
                    "The date is after the enrolment ended on %(end)s (an outcome); "
                    "the row is kept with that enrolment."
                )
                % {"end": date_formats.date_format(spell.end, "SHORT_DATE_FORMAT")},
            )
        return spell

    def key(self, index: int) -> str:
        return self.hmacs[index] or ""


def caseworker_names(
    municipality_id: int, *, roles: tuple[str, ...] | None = None
) -> dict[str, int]:
    """User name or e-mail (lower case) -> id, for the municipality's users (with one
    of `roles`, where given): how the files name case workers."""
    users = User.objects.filter(memberships__municipality_id=municipality_id)
    if roles is not None:
        users = users.filter(memberships__role__in=roles)
    names: dict[str, int] = {}
    for pk, username, email in users.values_list("pk", "username", "email"):
        names[username.lower()] = pk
        if email:
            names.setdefault(email.lower(), pk)
    return names


def _parse(text: str) -> tuple[cpr.Cpr | None, str | None, str | None]:
    if not text:
        return None, None, _("The CPR number is missing.")
    try:
        parsed = cpr.parse(text, allow_nine_digits=True)
    except cpr.CprError as exc:
        return None, None, f"{cpr.mask(text)}: {exc}"
    return parsed, crypto.keyed_hash(parsed.digits), None


class CitizenFormat(ImportFormat):
    kind = "citizens"
    label = gettext_lazy("Citizens with their enrolment")
    columns = (
        CPR_COLUMN,
        Column("name", gettext_lazy("Name"), aliases=("navn",)),
        Column("team", gettext_lazy("Team"), aliases=("enhed", "unit")),
        Column("caseworker", gettext_lazy("Case worker"), aliases=("sagsbehandler",)),
        Column(
            "enrolment_date",
            gettext_lazy("Enrolment date"),
            aliases=("startdato", "start"),
        ),
        Column(
            "target_group",
            gettext_lazy("Target group"),
            aliases=("målgruppe", "maalgruppe"),
        ),
    )
    duplicate_message = gettext_lazy(
        "The same CPR number appears more than once in the file."
    )

    def validate_chunk(self, ctx: Context, rows: list[RawRow]) -> list[RowResult]:
        teams: dict[str, Team] = {}
        for t in Team.objects.filter(
            municipality_id=ctx.municipality_id
        ).select_related("unit"):
            teams[t.name.lower()] = t
            teams[f"{t.unit.name} / {t.name}".lower()] = t
        groups: dict[str, TargetGroup] = {}
        for g in TargetGroup.objects.all():
            groups[fold_code(g.code)] = g
            groups[fold_code(g.label_da)] = g
            groups[fold_code(g.label_en)] = g
        members = {
            (m.user.username.lower(), m.team_id): m.user
            for m in Membership.objects.current(timezone.localdate())
            .filter(
                municipality_id=ctx.municipality_id,
                role__in=[Role.CASEWORKER, Role.TEAM_LEADER],
            )
            .select_related("user")
        }
        emails = {
            u.email.lower(): u.username.lower()
            for u in User.objects.filter(
                memberships__municipality_id=ctx.municipality_id
            ).exclude(email="")
        }
        results = [RowResult(r.number) for r in rows]
        found = CitizenRows(ctx, rows, results, spells=False)
        parsed, hmacs = found.parsed, found.hmacs
        existing = {
            c.cpr_hmac: c
            for c in Citizen.objects.filter(
                municipality_id=ctx.municipality_id,
                cpr_hmac__in=[h for h in hmacs if h],
            ).prefetch_related("enrolments")
        }
        today = timezone.localdate()
        for raw, res, p, h in zip(rows, results, parsed, hmacs, strict=True):
            name = " ".join(text_of(raw, "name").split())
            if not name:
                res.error("name", _("The name is missing."))
            team = teams.get(text_of(raw, "team").lower())
            if team is None:
                res.error(
                    "team",
                    _("Unknown team %(value)s in your municipality.")
                    % {"value": text_of(raw, "team")},
                )
            who = text_of(raw, "caseworker").lower()
            who = emails.get(who, who)
            user = members.get((who, team.pk)) if team else None
            if team and user is None:
                res.error(
                    "caseworker",
                    _("%(value)s is not a case worker on that team.")
                    % {"value": text_of(raw, "caseworker")},
                )
            group = groups.get(fold_code(raw.values.get("target_group")))
            if group is None:
                res.error(
                    "target_group",
                    _("Unknown target group %(value)s.")
                    % {"value": text_of(raw, "target_group")},
                )
            start = date_of(raw, res, "enrolment_date")
            if start and start > today:
                res.error("enrolment_date", _("The date is in the future."))
            if start and group and not group.valid_on(start):
                res.error(
                    "target_group",
                    _("The target group is not valid on the enrolment date."),
                )
            if p is None:
                continue
            res.key = h or ""
            key_id, token = crypto.encrypt(p.digits)
            res.data.update(
                {
                    "cpr_enc": f"{key_id}:{token}",
                    "birth_date": p.birth_date.isoformat(),
                    "name": name,
                    "team_id": team.pk if team else None,
                    "unit_id": team.unit_id if team else None,
                    "caseworker_id": user.pk if user else None,
                    "target_group_id": group.pk if group else None,
                    "enrolment_date": start.isoformat() if start else None,
                }
            )
            old = existing.get(h)
            if old is not None and not res.errors:
                starts = {e.start for e in old.enrolments.all()}
                if old.name == name and start in starts:
                    res.same = True
                else:
                    res.error(
                        "",
                        _(
                            "%(cpr)s is already registered with another name or enrolment date: a conflict, not overwritten."
                        )
                        % {"cpr": p.masked},
                    )
        return results

    def commit(self, ctx: Context, rows: Iterable[Any]) -> dict[str, Any]:
        created = 0
        ids: list[int] = []
        pending: list[tuple[Citizen, dict[str, Any]]] = []

        def flush() -> None:
            nonlocal created
            if not pending:
                return
            Citizen.objects.bulk_create([c for c, _ in pending])
            enrolments = [
                Enrolment(
                    citizen=c,
                    municipality_id=ctx.municipality_id,
                    unit_id=d["unit_id"],
                    team_id=d["team_id"],
                    target_group_id=d["target_group_id"],
                    start=date.fromisoformat(d["enrolment_date"]),
                )
                for c, d in pending
            ]
            Enrolment.objects.bulk_create(enrolments)
            Assignment.objects.bulk_create(
                [
                    Assignment(
                        enrolment=e,
                        municipality_id=ctx.municipality_id,
                        caseworker_id=d["caseworker_id"],
                        team_id=d["team_id"],
                        start=e.start,
                        # the file names the current case worker: historic rounds
                        # may show others before (citizens/history.py)
                        source=Assignment.Source.ASSUMED,
                    )
                    for e, (_c, d) in zip(enrolments, pending, strict=True)
                ]
            )
            ids.extend(c.pk for c, _ in pending)
            created += len(pending)
            pending.clear()

        for row in rows:
            d = row.data
            key_id, token = d["cpr_enc"].split(":", 1)
            c = Citizen(
                municipality_id=ctx.municipality_id,
                team_id=d["team_id"],
                caseworker_id=d["caseworker_id"],
                cpr_key_id=key_id,
                cpr_ciphertext=token,
                cpr_hmac=row.key,
                birth_date=date.fromisoformat(d["birth_date"]),
            )
            c.set_name(d["name"])
            pending.append((c, d))
            if len(pending) >= 1000:
                flush()
        flush()
        return {"created": created, "citizen_ids": ids}


class AssignmentFormat(ImportFormat):
    """The exact history of case workers from a case-management system: from each
    row's start, the named case worker is responsible (until the next row's start)."""

    kind = "assignments"
    label = gettext_lazy("Case workers' history (assignments)")
    columns = (
        CPR_COLUMN,
        Column("caseworker", gettext_lazy("Case worker"), aliases=("sagsbehandler",)),
        Column(
            "start",
            gettext_lazy("Responsible from"),
            aliases=("startdato", "fra", "fra dato", "from"),
        ),
        Column("team", gettext_lazy("Team"), required=False, aliases=("enhed",)),
    )
    duplicate_message = gettext_lazy(
        "The same citizen and start date appear more than once in the file."
    )

    def validate_chunk(self, ctx: Context, rows: list[RawRow]) -> list[RowResult]:
        results = [RowResult(r.number) for r in rows]
        found = CitizenRows(ctx, rows, results)
        users = caseworker_names(
            ctx.municipality_id, roles=(Role.CASEWORKER, Role.TEAM_LEADER)
        )
        teams: dict[str, int] = {}
        for t in Team.objects.filter(
            municipality_id=ctx.municipality_id
        ).select_related("unit"):
            teams[t.name.lower()] = t.pk
            teams[f"{t.unit.name} / {t.name}".lower()] = t.pk
        spell_ids = [s.pk for items in found.spells.values() for s in items]
        exact: dict[int, list[tuple[date, date | None, int]]] = defaultdict(list)
        for e, start, end, cw in Assignment.objects.filter(
            enrolment_id__in=spell_ids, source=Assignment.Source.EXACT
        ).values_list("enrolment_id", "start", "end", "caseworker_id"):
            exact[e].append((start, end, cw))
        today = timezone.localdate()
        for i, (raw, res) in enumerate(zip(rows, results, strict=True)):
            start = date_of(raw, res, "start")
            if start and start > today:
                res.error("start", _("The date is in the future."))
            who = text_of(raw, "caseworker")
            caseworker_id = users.get(who.lower())
            if caseworker_id is None:
                res.error(
                    "caseworker",
                    _("%(value)s is not a case worker in your municipality.")
                    % {"value": who},
                )
            team_id = None
            if text_of(raw, "team"):
                team_id = teams.get(text_of(raw, "team").lower())
                if team_id is None:
                    res.error(
                        "team",
                        _("Unknown team %(value)s in your municipality.")
                        % {"value": text_of(raw, "team")},
                    )
            citizen_id = found.citizen(i, res)
            spell = found.spell(citizen_id, start, res, "start")
            if found.key(i) and start:
                res.key = f"{found.key(i)}|{start.isoformat()}"
            res.data.update(
                {
                    "citizen_id": citizen_id,
                    "enrolment_id": spell.pk if spell else None,
                    "start": start.isoformat() if start else None,
                    "caseworker_id": caseworker_id,
                    "team_id": team_id,
                }
            )
            if spell and not res.errors:
                res.same = any(
                    s <= start and (e is None or start < e) and cw == caseworker_id
                    for s, e, cw in exact[spell.pk]
                )
        return results

    def check_batch(
        self, ctx: Context, staged: Any
    ) -> dict[int, list[tuple[str, str]]]:
        """Each spell's history with the file's rows must not contradict what is
        stored (exact changes, stored rounds)."""
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for evidence in _assignment_evidence(staged, keys=True):
            conflicts = assignment_history_rebuild(
                municipality_id=ctx.municipality_id, evidence=evidence, write=False
            )
            for row_id, conflict in conflicts.items():
                problems[row_id].append(("caseworker", conflict_text(conflict)))
        return problems

    def commit(self, ctx: Context, staged: Any) -> dict[str, Any]:
        created = 0
        for evidence in _assignment_evidence(staged, keys=False):
            created += sum(len(items) for items in evidence.values())
            if assignment_history_rebuild(
                municipality_id=ctx.municipality_id, evidence=evidence, write=True
            ):
                raise ApplicationError(
                    _(
                        "The case workers' history changed since the file was checked. Upload the file again."
                    )
                )
        return {"created": created, "citizen_ids": staged_citizen_ids(staged)}


def _assignment_evidence(
    staged: Any, *, keys: bool
) -> Iterator[dict[int, list[history.Evidence]]]:
    """The staged rows as exact evidence, a few hundred spells at a time."""
    qs = typed(
        staged, enrolment_id="int", start="date", caseworker_id="int", team_id="int"
    ).values("id", "s_enrolment_id", "s_start", "s_caseworker_id", "s_team_id")
    chunk: dict[int, list[history.Evidence]] = {}
    for row in stream(qs.order_by("s_enrolment_id", "s_start")):
        enrolment_id = row["s_enrolment_id"]
        if enrolment_id not in chunk and len(chunk) >= HISTORY_CHUNK:
            yield chunk
            chunk = {}
        chunk.setdefault(enrolment_id, []).append(
            history.Evidence(
                row["s_start"],
                row["s_caseworker_id"],
                keys=(row["id"],) if keys else (),
                exact=True,
                team_id=row["s_team_id"],
            )
        )
    if chunk:
        yield chunk


def conflict_text(conflict: history.Conflict) -> str:
    """A conflict of the case workers' history in words, for the import report."""
    user = User.objects.filter(pk=conflict.caseworker_id).first()
    name = (user.get_full_name() or user.username) if user else "?"
    day = conflict.day.strftime("%d-%m-%Y")
    if conflict.what == "round":
        text = _(
            "A stored round on %(day)s names another case worker (%(name)s): a conflict, not overwritten."
        )
    elif conflict.what == "file":
        text = _("The file names two case workers from %(day)s.")
    else:
        text = _(
            "The stored history of case workers names %(name)s from %(day)s: a conflict, not overwritten."
        )
    return text % {"day": day, "name": name}

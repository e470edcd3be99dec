"""Import format: citizens with their enrolment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bip.imports.common import cpr_of, date_of, text_of
from bip.imports.formats import Column, Context, ImportFormat, RawRow, RowResult
from citizens import crypto


class CitizenFormat(ImportFormat):
    kind = "citizens"
    label = gettext_lazy("Citizens with their enrolment")
    columns = (
        Column(
            "cpr", gettext_lazy("CPR number"), aliases=("cpr-nummer", "cprnr", "cpr_nr")
        ),
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
        from bip.accounts.models import Membership, Role, Team, User
        from citizens.models import Citizen, TargetGroup

        teams: dict[str, Team] = {}
        for t in Team.objects.filter(
            municipality_id=ctx.municipality_id
        ).select_related("unit"):
            teams[t.name.lower()] = t
            teams[f"{t.unit.name} / {t.name}".lower()] = t
        groups: dict[str, TargetGroup] = {}
        for g in TargetGroup.objects.all():
            groups[g.code.lower()] = g
            groups[g.label_da.lower()] = g
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
        parsed = [cpr_of(r, res) for r, res in zip(rows, results, strict=True)]
        hmacs = [crypto.keyed_hash(p.digits) if p else None for p in parsed]
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
            group = groups.get(text_of(raw, "target_group").lower())
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
        from citizens.models import Assignment, Citizen, Enrolment

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

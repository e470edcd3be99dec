from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from bip.accounts.access import scoped_get
from bip.accounts.models import Membership, Role, User
from bip.accounts.scoping import Action, citizen_q, scope_for
from bip.audit.services import record_denial
from citizens import cpr, crypto
from citizens.models import Assignment, Citizen, Enrolment, TargetGroup, fold


def citizen_list(*, viewer: User, action: Action = "read") -> QuerySet[Citizen]:
    """Citizens the viewer may read (or write), in the active municipality."""
    return Citizen.objects.filter(citizen_q(scope_for(viewer), action))


def citizen_get(*, viewer: User, pk: Any, action: Action = "read") -> Citizen:
    """The citizen `pk` if the viewer may read (or write) them, else 404 (logged)."""
    return scoped_get(
        citizen_list(viewer=viewer, action=action).select_related("team", "caseworker"),
        pk,
        viewer=viewer,
    )


def citizen_get_by_cpr(
    *, viewer: User, digits: str, action: Action = "read"
) -> Citizen:
    """The citizen with a CPR number (ten digits, already parsed) if the viewer may
    read (or write) them, else 404 (logged without the number)."""
    found = citizen_list(viewer=viewer, action=action).filter(
        cpr_hmac=crypto.keyed_hash(digits)
    )
    citizen = found.first()
    if citizen is None:
        record_denial(actor=viewer, object_type="citizen", object_id="cpr")
        raise Http404
    return citizen


def citizen_enrolments(*, citizen: Citizen) -> list[Enrolment]:
    """The spells of a citizen the caller has already looked up, newest first."""
    return list(
        citizen.enrolments.select_related("team", "target_group").order_by("-start")
    )


def may_write(*, viewer: User, citizen: Citizen) -> bool:
    return citizen_list(viewer=viewer, action="write").filter(pk=citizen.pk).exists()


def citizen_ids_by_cpr(municipality_id: int, digits: str) -> list[int]:
    """The citizens of a municipality with a CPR number (the audit log's search)."""
    return list(
        Citizen.objects.filter(
            municipality_id=municipality_id, cpr_hmac=crypto.keyed_hash(digits)
        ).values_list("pk", flat=True)
    )


def citizen_search(*, viewer: User, text: str) -> QuerySet[Citizen]:
    qs = citizen_list(viewer=viewer)
    try:
        parsed = cpr.parse(text, allow_nine_digits=True)
    except cpr.CprError:
        return qs.filter(name_search__contains=fold(text))
    return qs.filter(cpr_hmac=crypto.keyed_hash(parsed.digits))


def duplicate_contact(*, viewer: User, citizen: Citizen) -> dict[str, Any]:
    """What a user who typed the CPR of a citizen already registered in the
    municipality learns: the citizen to open when in their scope; otherwise only whom
    to ask (the responsible team and its leaders), never the citizen's data."""
    if citizen_list(viewer=viewer).filter(pk=citizen.pk).exists():
        return {"in_scope": True, "citizen": citizen}
    team = citizen.team
    leaders: list[str] = []
    if team is not None:
        leader_ids = (
            Membership.objects.current(timezone.localdate())
            .filter(team=team, role=Role.TEAM_LEADER)
            .values("user_id")
        )
        leaders = [
            u.get_full_name() or u.username
            for u in User.objects.filter(pk__in=leader_ids, is_active=True).order_by(
                "first_name", "last_name"
            )
        ]
    return {
        "in_scope": False,
        "team": f"{team.unit.name} · {team.name}" if team is not None else "",
        "leaders": leaders,
    }


def target_group_list() -> QuerySet[TargetGroup]:
    """The national target groups (global reference data), old ones included."""
    return TargetGroup.objects.order_by("code")


def enrolment_list(*, viewer: User, action: Action = "read") -> QuerySet[Enrolment]:
    """Enrolment spells of citizens the viewer may read (or write)."""
    return Enrolment.objects.filter(
        citizen_q(scope_for(viewer), action, prefix="citizen__")
    ).select_related("target_group")


def assignment_list(*, viewer: User, action: Action = "read") -> QuerySet[Assignment]:
    """The case-worker history of citizens the viewer may read (or write)."""
    return Assignment.objects.filter(
        citizen_q(scope_for(viewer), action, prefix="enrolment__citizen__")
    ).select_related("enrolment")

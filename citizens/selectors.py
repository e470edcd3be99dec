from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from bip.accounts.models import Membership, Role, User
from bip.accounts.scoping import Action, citizen_q, scope_for
from bip.db import DaysSinceEpoch, days_since_epoch
from citizens.models import Citizen, Enrolment, fold


def citizen_list(*, viewer: Any, action: Action = "read") -> QuerySet[Citizen]:
    """Citizens the viewer may read (or write), in the active municipality."""
    return Citizen.objects.filter(citizen_q(scope_for(viewer), action))


def citizen_search(*, viewer: Any, text: str) -> QuerySet[Citizen]:
    from citizens import cpr, crypto

    qs = citizen_list(viewer=viewer)
    try:
        parsed = cpr.parse(text, allow_nine_digits=True)
    except cpr.CprError:
        return qs.filter(name_search__contains=fold(text))
    return qs.filter(cpr_hmac=crypto.keyed_hash(parsed.digits))


def duplicate_contact(*, viewer: Any, citizen: Citizen) -> dict[str, Any]:
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


SORTS = {
    "due": (F("due_days").asc(nulls_last=True), "name_search", "pk"),
    "name": ("name_search", "pk"),
    "last": (F("last_round").desc(nulls_last=True), "name_search", "pk"),
}


def caseload(
    *,
    viewer: Any,
    today: date,
    mine: bool = True,
    sort: str = "due",
    overdue_only: bool = False,
    team_id: int | None = None,
    model_version_id: int | None = None,
) -> QuerySet[Citizen]:
    """The caseload with last round, next due date and overdue, computed in SQL from
    `today` (never stored), so sorting, filtering and paging run in the database; with
    `model_version_id`, the latest job probability and progression class of the open
    spell under that model; for a spell that ended in a job or education, its date."""
    from measurements.models import Round, Score

    scope = scope_for(viewer)
    qs = citizen_list(viewer=viewer)
    if mine:
        qs = qs.filter(
            Q(caseworker_id=viewer.pk) | Q(pk__in=sorted(scope.granted_citizen_ids))
        )
    if team_id:
        qs = qs.filter(team_id=team_id)
    open_enrolment = Enrolment.objects.filter(citizen=OuterRef("pk"), end__isnull=True)
    last_complete = Round.objects.filter(
        enrolment__citizen=OuterRef("pk"),
        enrolment__end__isnull=True,
        state=Round.State.COMPLETE,
    ).order_by("-round_date")
    qs = qs.annotate(
        enrolment_start=Subquery(open_enrolment.values("start")[:1]),
        last_round=Subquery(last_complete.values("round_date")[:1]),
        interval=Coalesce("round_interval_days", "municipality__round_interval_days"),
        open_round_id=Subquery(
            Round.objects.filter(
                enrolment__citizen=OuterRef("pk"), state=Round.State.OPEN
            ).values("pk")[:1]
        ),
    ).annotate(
        # no enrolment: nothing is due; no round yet: the baseline is due at once
        due_days=Case(
            When(enrolment_start__isnull=True, then=Value(None)),
            When(last_round__isnull=True, then=DaysSinceEpoch("enrolment_start")),
            default=DaysSinceEpoch("last_round") + F("interval"),
            output_field=IntegerField(),
        ),
    )
    if model_version_id is not None:
        # the latest scored round of the open spell; under the active model where it
        # has a score, else (a recompute still running) the newest of another version
        latest = (
            Score.objects.filter(
                round__enrolment__citizen=OuterRef("pk"),
                round__enrolment__end__isnull=True,
                superseded_at__isnull=True,
            )
            .annotate(
                active=Case(
                    When(model_version_id=model_version_id, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-round__round_date", "-round_id", "-active", "-computed_at")
        )
        qs = qs.annotate(
            p12=Subquery(latest.values("p12")[:1]),
            klass=Subquery(latest.values("klass")[:1]),
            scored_round=Subquery(latest.values("round__round_date")[:1]),
            scored_version=Subquery(latest.values("model_version_id")[:1]),
        )
    exits = Enrolment.objects.filter(
        citizen=OuterRef("pk"), end__isnull=False, end_reason__in=["job", "education"]
    ).order_by("-end")
    qs = qs.annotate(
        exit_date=Subquery(exits.values("end")[:1]),
        exit_reason=Subquery(exits.values("end_reason")[:1]),
    )
    if overdue_only:
        qs = qs.filter(due_days__lt=days_since_epoch(today))
    return qs.select_related("team", "caseworker").order_by(
        *SORTS.get(sort, SORTS["due"])
    )

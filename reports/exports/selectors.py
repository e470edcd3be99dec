"""Reads of exports for a viewer (DESIGN section 2): a municipal admin sees every
export of the municipality; an analyst only their own, all pseudonymised."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from bip.accounts.access import scoped_get
from bip.accounts.models import Unit
from bip.accounts.scoping import scope_for
from citizens.models import TargetGroup
from reports.models import Export


def export_list(*, viewer: Any) -> QuerySet[Export]:
    scope = scope_for(viewer)
    if scope.municipality_id is None:
        return Export.objects.none()
    mine = Export.objects.filter(municipality_id=scope.municipality_id)
    if scope.is_municipal_admin:
        return mine
    if scope.is_analyst:
        return mine.filter(requested_by_id=viewer.pk, pseudonymised=True)
    return Export.objects.none()


def export_get(*, viewer: Any, pk: Any) -> Export:
    return scoped_get(
        export_list(viewer=viewer).select_related("job", "requested_by"),
        pk,
        viewer=viewer,
    )


def monthly_unseen(*, viewer: Any) -> list[Export]:
    """The monthly exports a municipal admin has not opened the list since."""
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return []
    return list(
        export_list(viewer=viewer).filter(
            Q(scheduled=True, seen_at__isnull=True, expired_at__isnull=True),
            job__state="done",
        )
    )


def export_choices(*, viewer: Any) -> dict[str, list[tuple[int, str]]]:
    """The units and target groups an export can be limited to."""
    scope = scope_for(viewer)
    units = Unit.objects.filter(municipality_id=scope.municipality_id).order_by("name")
    groups = TargetGroup.objects.order_by("code")
    return {
        "units": [(u.pk, u.name) for u in units],
        "target_groups": [(t.pk, t.label) for t in groups],
    }

"""Reads of jobs for a viewer (DESIGN section 2): who may follow which job."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from bip.accounts.access import scoped_get
from bip.accounts.models import User
from bip.accounts.scoping import scope_for
from bip.jobs.models import Job


def job_list(*, viewer: User) -> QuerySet[Job]:
    """Jobs a user may follow: their own, all of their municipality for its admin,
    the installation's for the system admin."""
    scope = scope_for(viewer)
    q = Q(requested_by_id=viewer.pk)
    if scope.is_municipal_admin:
        q |= Q(municipality_id=scope.municipality_id)
    if scope.is_system_admin:
        q |= Q(municipality__isnull=True)
    return Job.objects.filter(q)


def job_get(*, viewer: User, pk: Any) -> Job:
    return scoped_get(job_list(viewer=viewer), pk, viewer=viewer)


RECENT = 10


def recent_jobs(*, viewer: User) -> list[Job]:
    """The installation's latest jobs, for the system admin's status page."""
    if not scope_for(viewer).is_system_admin:
        return []
    return list(Job.objects.order_by("-created_at")[:RECENT])

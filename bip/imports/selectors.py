"""Reads of import batches for a viewer: a municipality's imports are its municipal
admin's (DESIGN section 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bip.accounts.access import scoped_get
from bip.accounts.models import User
from bip.accounts.scoping import scope_for
from bip.imports.models import ImportBatch, ImportRow


def batch_list(*, viewer: User) -> QuerySet[ImportBatch]:
    scope = scope_for(viewer)
    if not scope.is_municipal_admin:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(municipality_id=scope.municipality)


def batch_get(*, viewer: User, pk: Any) -> ImportBatch:
    return scoped_get(
        batch_list(viewer=viewer).select_related("parse_job", "commit_job"),
        pk,
        viewer=viewer,
    )


def batch_problems(*, batch: ImportBatch, limit: int) -> list[ImportRow]:
    """The first rows with errors or warnings, once the batch is checked."""
    if not batch.checked:
        return []
    return list(
        batch.rows.exclude(errors=[], warnings=[]).order_by("row_number")[:limit]
    )

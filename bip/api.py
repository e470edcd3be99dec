"""What the read endpoints of /api/v1/ share (SPEC section 6): the same scoping as the
pages (each endpoint reads through its app's selector, which takes the viewer), the
same guard (the role table), every read of personal data in the audit log, the
filters of an incremental sync and cursor pagination in a stable order.

Incremental sync: `updated_since` returns the rows changed strictly after the instant
given, in the order (changed, id); a client keeps the largest `updated_at` it has
read and passes it on its next poll (docs/api.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from bip.accounts.access import scoped_get
from bip.accounts.models import User
from bip.accounts.roles import Can, can
from bip.accounts.scoping import scope_for
from bip.audit.services import record, record_denial

MAX_PAGE_SIZE = 1000
# the largest id PostgreSQL's bigint holds: a larger one is a 400, never a 500
MAX_ID = 2**63 - 1


class SyncCursorPagination(CursorPagination):
    """Cursor pagination in the order of the view's `sync_ordering`, at most 1,000
    rows a page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("updated_at", "pk")

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> Any:
        return tuple(getattr(view, "sync_ordering", self.ordering))


class CapabilityRequired(BasePermission):
    """The role table's guard for an endpoint: 403, the denial in the audit log,
    unless the viewer's scope has one of the view's `capabilities`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        capabilities: Sequence[Can] = getattr(view, "capabilities", ())
        scope = scope_for(request.user)
        if any(can(scope, c) for c in capabilities):
            return True
        if request.user.is_authenticated:
            record_denial(
                actor=request.user,
                object_type="page",
                object_id=(
                    request.resolver_match.view_name if request.resolver_match else ""
                )[:64],
            )
        return False


class SyncFilters(serializers.Serializer):
    """The filters of every list: the citizen's current unit and team (as on the
    caseload), a date range on the row's own date, and changes since an instant."""

    unit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Unit (job centre) id."
    )
    team = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Team id."
    )
    date_from = serializers.DateField(
        required=False, help_text="The row's date on or after this day."
    )
    date_to = serializers.DateField(
        required=False, help_text="The row's date on or before this day."
    )
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="Only rows changed strictly after this instant (incremental sync).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"date_to": ["The end of the range is before its start."]}
            )
        return attrs


class ChangeFilters(serializers.Serializer):
    """The filter of lists that are not about citizens (model versions)."""

    updated_since = serializers.DateTimeField(
        required=False,
        help_text="Only rows changed strictly after this instant (incremental sync).",
    )


def list_schema(filters: type[serializers.Serializer]) -> Callable[[Any], Any]:
    return extend_schema(parameters=[filters])


class ScopedReadViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A list and a detail read through a selector that takes the viewer.

    Subclasses set `selector` (viewer -> queryset), `audit_type`, `citizen_path`
    (the citizen id from a row, or "" when the rows are not personal data), the
    fields the filters apply to and `capabilities` (the role table)."""

    pagination_class = SyncCursorPagination
    filters_class: type[serializers.Serializer] = SyncFilters
    capabilities: Sequence[Can] = (Can.PEOPLE,)
    audit_type = ""
    citizen_path = ""  # e.g. "enrolment.citizen_id"
    citizen_prefix = ""  # the ORM path to the citizen, e.g. "enrolment__citizen__"
    date_field = ""
    updated_field = "updated_at"
    sync_ordering: tuple[str, ...] = ("updated_at", "pk")

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), CapabilityRequired()]

    def selector(self, viewer: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.selector(self.request.user)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        params = self.filters_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        lookups: dict[str, Any] = {}
        if "unit" in data:
            lookups[f"{self.citizen_prefix}team__unit_id"] = data["unit"]
        if "team" in data:
            lookups[f"{self.citizen_prefix}team_id"] = data["team"]
        if "date_from" in data:
            lookups[f"{self.date_field}__gte"] = data["date_from"]
        if "date_to" in data:
            lookups[f"{self.date_field}__lte"] = data["date_to"]
        if "updated_since" in data:
            lookups[f"{self.updated_field}__gt"] = data["updated_since"]
        return queryset.filter(**lookups)

    def citizen_id(self, obj: Model) -> int | None:
        value: Any = obj
        for part in self.citizen_path.split("."):
            value = getattr(value, part, None)
        return value

    def get_object(self) -> Any:
        return scoped_get(
            self.get_queryset(),
            self.kwargs.get("pk"),
            viewer=cast(User, self.request.user),
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page or [])
        if self.citizen_path:
            ids = {self.citizen_id(obj) for obj in rows}
            record(
                actor=request.user,
                action=f"{self.audit_type}.list",
                object_type=self.audit_type,
                citizen_ids=[i for i in ids if i is not None],
            )
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        if self.citizen_path:
            citizen_id = self.citizen_id(obj)
            record(
                actor=request.user,
                action=f"{self.audit_type}.view",
                obj=obj,
                citizen_ids=[citizen_id] if citizen_id is not None else [],
            )
        return Response(self.get_serializer(obj).data)

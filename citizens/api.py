from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from bip.api import ScopedReadViewSet, SyncFilters, list_schema
from bip.audit.services import record, record_denial
from citizens.models import Assignment, Citizen, Enrolment
from citizens.selectors import assignment_list, citizen_list, enrolment_list
from citizens.serializers import (
    AssignmentSerializer,
    CitizenSerializer,
    EnrolmentSerializer,
)


class CitizenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = CitizenSerializer

    def get_queryset(self) -> QuerySet[Citizen]:
        return citizen_list(viewer=self.request.user).order_by("pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])]
        record(actor=request.user, action="citizen.list", citizen_ids=ids)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            citizen = self.get_object()
        except Http404:
            record_denial(
                actor=request.user,
                object_type="citizen",
                object_id=str(kwargs.get("pk", ""))[:64],
            )
            raise
        record(
            actor=request.user,
            action="citizen.view",
            obj=citizen,
            citizen_ids=[citizen.pk],
        )
        return Response(self.get_serializer(citizen).data)


@extend_schema_view(list=list_schema(SyncFilters))
class EnrolmentViewSet(ScopedReadViewSet):
    """Enrolment spells (programme periods) of the citizens in scope."""

    serializer_class = EnrolmentSerializer
    audit_type = "enrolment"
    citizen_path = "citizen_id"
    citizen_prefix = "citizen__"
    date_field = "start"

    def selector(self, viewer: Any) -> QuerySet[Enrolment]:
        return enrolment_list(viewer=viewer)


@extend_schema_view(list=list_schema(SyncFilters))
class AssignmentViewSet(ScopedReadViewSet):
    """The history of responsible case workers and teams, per enrolment spell."""

    serializer_class = AssignmentSerializer
    audit_type = "assignment"
    citizen_path = "enrolment.citizen_id"
    citizen_prefix = "enrolment__citizen__"
    date_field = "start"

    def selector(self, viewer: Any) -> QuerySet[Assignment]:
        return assignment_list(viewer=viewer)

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from bip.audit.services import record, record_denial
from citizens.models import Citizen
from citizens.selectors import citizen_list
from citizens.serializers import CitizenSerializer


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

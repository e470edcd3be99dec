from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from bip.accounts.models import User
from bip.audit.services import record_denial
from bip.jobs.models import Job
from bip.jobs.selectors import job_list


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "progress",
            "total",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = JobSerializer

    def get_queryset(self) -> QuerySet[Job]:
        # IsAuthenticated (the default permission) lets only users this far
        return job_list(viewer=cast(User, self.request.user))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            record_denial(
                actor=request.user,
                object_type="job",
                object_id=str(kwargs.get("pk", ""))[:64],
            )
            raise

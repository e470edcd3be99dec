"""The API's intervention episodes and outcomes (SPEC section 6): read through the
app's selectors with the viewer, every read audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bip.api import ScopedReadViewSet, SyncFilters, list_schema
from bip.audit.services import record
from citizens import cpr
from citizens.selectors import citizen_get, citizen_get_by_cpr
from interventions.forms import OutcomeForm
from interventions.models import InterventionEpisode, Outcome
from interventions.selectors import citizen_outcomes, episode_list, outcome_list
from interventions.serializers import (
    ConflictSerializer,
    EpisodeSerializer,
    OutcomeInSerializer,
    OutcomeSerializer,
)
from interventions.services import outcome_decision, outcome_record


@extend_schema_view(list=list_schema(SyncFilters))
class EpisodeViewSet(ScopedReadViewSet):
    """Intervention episodes (start, end, type, provider). The date filter applies
    to the start."""

    serializer_class = EpisodeSerializer
    audit_type = "episode"
    citizen_path = "enrolment.citizen_id"
    citizen_prefix = "enrolment__citizen__"
    date_field = "start"

    def selector(self, viewer: Any) -> QuerySet[InterventionEpisode]:
        return episode_list(viewer=viewer).select_related("enrolment", "type")


@extend_schema_view(list=list_schema(SyncFilters))
class OutcomeViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Outcomes (job, education, ...) by date, hand-entered or from a register.

    POST records an outcome through the same service as the page and the register
    import, with the same rules: within 14 days of a stored outcome of the same kind
    it is the same event. Idempotent by citizen, outcome and date: a repeat is 200
    with the stored outcome and writes nothing; the same event with another date is
    409 naming `date` and writes nothing. A register outcome replaces a hand-entered
    one (200). A new outcome is 201."""

    serializer_class = OutcomeSerializer
    audit_type = "outcome"
    citizen_path = "citizen_id"
    citizen_prefix = "citizen__"
    date_field = "date"

    def selector(self, viewer: Any) -> QuerySet[Outcome]:
        return outcome_list(viewer=viewer)

    @extend_schema(
        request=OutcomeInSerializer,
        responses={
            200: OutcomeSerializer,
            201: OutcomeSerializer,
            409: ConflictSerializer,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = OutcomeInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        # the page's own rules for an outcome (a date in the future is refused)
        form = OutcomeForm(
            data={"kind": data["kind"], "date": data["date"].isoformat()}
        )
        if not form.is_valid():
            raise ValidationError(
                {
                    field: [str(e) for e in errors]
                    for field, errors in form.errors.items()
                }
            )
        user = request.user
        if "cpr" in data:
            try:
                digits = cpr.parse(data["cpr"]).digits
            except cpr.CprError as exc:
                raise ValidationError({"cpr": [str(exc)]}) from None
            citizen = citizen_get_by_cpr(viewer=user, digits=digits, action="write")
        else:
            citizen = citizen_get(viewer=user, pk=data["citizen"], action="write")
        kind, day = form.cleaned_data["kind"], form.cleaned_data["date"]
        source = (
            Outcome.Source.IMPORT
            if getattr(user, "is_integration", False)
            else Outcome.Source.MANUAL
        )
        stored = citizen_outcomes(citizen=citizen).filter(kind=kind)
        decision, near = outcome_decision(
            list(stored.order_by("date", "pk")), day, source
        )
        if near is not None and near.date != day and decision == "merge":
            message = _(
                "An outcome of this kind is recorded on %(date)s, within 14 days: "
                "the same event with another date. Nothing was written."
            ) % {"date": near.date.isoformat()}
            record(
                actor=user, action="outcome.view", obj=near, citizen_ids=[citizen.pk]
            )
            return Response(
                {
                    "detail": message,
                    "date": [message],
                    "existing": OutcomeSerializer(near).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        if decision == "merge":  # already there: nothing to write
            record(
                actor=user, action="outcome.view", obj=near, citizen_ids=[citizen.pk]
            )
            return Response(OutcomeSerializer(near).data, status=status.HTTP_200_OK)
        outcome, created = outcome_record(
            citizen=citizen, kind=kind, day=day, by=user, source=source
        )
        return Response(
            OutcomeSerializer(outcome).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

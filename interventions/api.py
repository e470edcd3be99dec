"""The API's intervention episodes and outcomes (SPEC section 6): read through the
app's selectors with the viewer, every read audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view

from bip.api import ScopedReadViewSet, SyncFilters, list_schema
from interventions.models import InterventionEpisode, Outcome
from interventions.selectors import episode_list, outcome_list
from interventions.serializers import EpisodeSerializer, OutcomeSerializer


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
class OutcomeViewSet(ScopedReadViewSet):
    """Outcomes (job, education, ...) by date, hand-entered or from a register."""

    serializer_class = OutcomeSerializer
    audit_type = "outcome"
    citizen_path = "citizen_id"
    citizen_prefix = "citizen__"
    date_field = "date"

    def selector(self, viewer: Any) -> QuerySet[Outcome]:
        return outcome_list(viewer=viewer)

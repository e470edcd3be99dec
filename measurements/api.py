"""The API's rounds with their answers, scores and model versions (SPEC section 6):
read through the app's selectors with the viewer, audited where they are personal."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view

from bip.accounts.roles import Can
from bip.api import ChangeFilters, ScopedReadViewSet, SyncFilters, list_schema
from measurements.models import ModelVersion, Round, Score
from measurements.selectors import model_version_list, round_sync_list, score_list
from measurements.serializers import (
    ModelVersionSerializer,
    RoundSerializer,
    ScoreSerializer,
)


@extend_schema_view(list=list_schema(SyncFilters))
class RoundViewSet(ScopedReadViewSet):
    """Measurement rounds with the answers in force per respondent and the
    instrument version they were asked in. The date filter applies to the round
    date (rounds still open have none)."""

    serializer_class = RoundSerializer
    audit_type = "round"
    citizen_path = "enrolment.citizen_id"
    citizen_prefix = "enrolment__citizen__"
    date_field = "round_date"

    def selector(self, viewer: Any) -> QuerySet[Round]:
        return round_sync_list(viewer=viewer)


@extend_schema_view(list=list_schema(SyncFilters))
class ScoreViewSet(ScopedReadViewSet):
    """Job-probability scores of rounds, current and superseded, with the model
    version that made them, the progression class and what moved them. A score
    changes once after it is computed: when a newer computation supersedes it;
    `updated_at` is that instant (or when it was computed)."""

    serializer_class = ScoreSerializer
    audit_type = "score"
    citizen_path = "round.enrolment.citizen_id"
    citizen_prefix = "round__enrolment__citizen__"
    date_field = "round__round_date"
    updated_field = "changed_at"
    sync_ordering = ("changed_at", "pk")

    def selector(self, viewer: Any) -> QuerySet[Score]:
        return score_list(viewer=viewer)


@extend_schema_view(list=list_schema(ChangeFilters))
class ModelVersionViewSet(ScopedReadViewSet):
    """The job-probability models of the municipality and the shipped reference:
    coefficients, their intervals and the validation figures. For the municipal
    admin (as the model pages) and integrations. Not personal data."""

    serializer_class = ModelVersionSerializer
    filters_class = ChangeFilters
    capabilities = (Can.ADMINISTER, Can.INTEGRATE)
    audit_type = "modelversion"

    def selector(self, viewer: Any) -> QuerySet[ModelVersion]:
        return model_version_list(viewer=viewer)

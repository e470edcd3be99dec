"""The API's representations of rounds, answers, scores and model versions."""

from __future__ import annotations

import math
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from measurements.models import (
    Answer,
    InstrumentVersion,
    MissingReason,
    ModelVersion,
    ProgressionClass,
    Response,
    Round,
    Score,
)

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95 % interval


class InstrumentVersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstrumentVersion
        fields = ["id", "name", "number", "municipality"]
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question.code", read_only=True)
    indicator = serializers.CharField(source="question.indicator", read_only=True)
    missing_reason = serializers.ChoiceField(
        choices=MissingReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Answer
        fields = ["question", "indicator", "value", "missing_reason", "answered_at"]
        read_only_fields = fields


class ResponseSerializer(serializers.ModelSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = ["respondent", "state", "channel", "submitted_at", "answers"]
        read_only_fields = fields


class RoundSerializer(serializers.ModelSerializer):
    citizen = serializers.IntegerField(source="enrolment.citizen_id", read_only=True)
    instrument_version = InstrumentVersionRefSerializer(read_only=True)
    target_group = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    responses = ResponseSerializer(many=True, read_only=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "enrolment",
            "citizen",
            "instrument_version",
            "state",
            "round_date",
            "team",
            "caseworker",
            "target_group",
            "both_in_on",
            "responses",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ScoreSerializer(serializers.ModelSerializer):
    citizen = serializers.IntegerField(
        source="round.enrolment.citizen_id", read_only=True
    )
    progression_class = serializers.ChoiceField(
        source="klass",
        choices=ProgressionClass.choices,
        allow_blank=True,
        read_only=True,
        help_text="Blank for the baseline round, or nothing comparable before it.",
    )
    contributions = serializers.JSONField(
        read_only=True,
        help_text="What moved the score: each indicator's part of the linear "
        "predictor (log-odds), as on the citizen's page.",
    )
    current = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(source="changed_at", read_only=True)

    class Meta:
        model = Score
        fields = [
            "id",
            "round",
            "citizen",
            "model_version",
            "lp",
            "hazard_q",
            "p12",
            "indicator_lp",
            "delta_indicator_lp",
            "progression_class",
            "contributions",
            "computed_at",
            "superseded_at",
            "current",
            "updated_at",
        ]
        read_only_fields = fields

    def get_current(self, obj: Score) -> bool:
        return obj.superseded_at is None


class ModelVersionSerializer(serializers.ModelSerializer):
    coefficients = serializers.JSONField(read_only=True)
    intervals = serializers.SerializerMethodField()
    metrics = serializers.JSONField(
        read_only=True, help_text="Validation figures on the held-out rows."
    )
    absent_features = serializers.JSONField(read_only=True)
    levels = serializers.JSONField(read_only=True)
    validation = serializers.ChoiceField(
        choices=ModelVersion.Validation.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "municipality",
            "kind",
            "active",
            "coefficients",
            "intervals",
            "metrics",
            "absent_features",
            "reference_group",
            "levels",
            "validation",
            "split_seed",
            "holdout_fraction",
            "validation_cutoff",
            "n_rows",
            "n_events",
            "trained_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "estimate": {"type": "number"},
                    "se": {"type": "number"},
                    "lower": {"type": "number"},
                    "upper": {"type": "number"},
                },
            },
            "description": "Per coefficient: the estimate (log-odds), its standard "
            "error and the 95 % interval.",
        }
    )
    def get_intervals(self, obj: ModelVersion) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, row in (obj.estimates or {}).items():
            try:
                estimate, se = float(row["estimate"]), float(row["se"])
            except (KeyError, TypeError, ValueError):
                continue
            if not (math.isfinite(estimate) and math.isfinite(se)):
                continue
            out[name] = {
                "estimate": estimate,
                "se": se,
                "lower": estimate - Z95 * se,
                "upper": estimate + Z95 * se,
            }
        return out


class RoundInSerializer(serializers.Serializer):
    """A round answered in another tool: the citizen, the date, and per respondent
    the answers by question code: 1-5, or the reason it was not answered
    (`declined`, `dont_know`, `not_relevant`, `not_asked`). The case worker's part is
    required; the citizen's is optional. The natural key is the citizen's open
    enrolment and the date, as in the rounds import."""

    citizen = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    round_date = serializers.DateField()
    caseworker = serializers.DictField(
        child=serializers.JSONField(), help_text="Question code -> 1-5 or a reason."
    )
    citizen_answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="The citizen's part: question code -> 1-5 or a reason.",
    )


class RoundConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    existing = serializers.IntegerField()
    answers = serializers.ListField(
        child=serializers.CharField(), help_text="The question codes that differ."
    )

"""The API's representations of intervention episodes and outcomes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from interventions.models import InterventionEpisode, Outcome


class EpisodeSerializer(serializers.ModelSerializer):
    citizen = serializers.IntegerField(source="enrolment.citizen_id", read_only=True)
    type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    group = serializers.CharField(source="type.group", read_only=True)

    class Meta:
        model = InterventionEpisode
        fields = [
            "id",
            "enrolment",
            "citizen",
            "type",
            "group",
            "start",
            "end",
            "provider",
            "hours_per_week",
            "note",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outcome
        fields = [
            "id",
            "citizen",
            "enrolment",
            "kind",
            "date",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OutcomeInSerializer(serializers.Serializer):
    """An outcome from a register feed: the citizen by id or by CPR number (in the
    body, never in the URL), the outcome and its date. The same natural key as the
    register import: citizen, outcome and date."""

    citizen = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Citizen id."
    )
    cpr = serializers.CharField(
        required=False,
        write_only=True,
        max_length=20,
        help_text="The citizen's CPR number, instead of the id (DDMMYY-SSSS).",
    )
    kind = serializers.ChoiceField(choices=Outcome.Kind.choices)
    date = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("citizen" in attrs) == ("cpr" in attrs):
            raise serializers.ValidationError(
                {"citizen": ["Give either the citizen's id or the CPR number."]}
            )
        return attrs


class ConflictSerializer(serializers.Serializer):
    """A differing value for something already recorded: nothing was written."""

    detail = serializers.CharField()
    date = serializers.ListField(
        child=serializers.CharField(), help_text="What differs, by field."
    )
    existing = OutcomeSerializer()

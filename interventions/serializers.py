"""The API's representations of intervention episodes and outcomes."""

from __future__ import annotations

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

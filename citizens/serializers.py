from __future__ import annotations

from rest_framework import serializers

from citizens.models import Assignment, Citizen, Enrolment


class CitizenSerializer(serializers.ModelSerializer):
    cpr_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Citizen
        fields = [
            "id",
            "name",
            "cpr_masked",
            "birth_date",
            "team",
            "caseworker",
            "preferred_language",
        ]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    target_group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    end_reason = serializers.ChoiceField(
        choices=Enrolment.EndReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "citizen",
            "unit",
            "team",
            "target_group",
            "start",
            "end",
            "end_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    citizen = serializers.IntegerField(source="enrolment.citizen_id", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "enrolment",
            "citizen",
            "caseworker",
            "team",
            "start",
            "end",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

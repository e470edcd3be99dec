from __future__ import annotations

from django.conf import settings
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
            "created_at",
            "updated_at",
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


class CitizenInSerializer(serializers.Serializer):
    """A citizen with an enrolment from a case-management system: the same fields
    and rules as the page's "New citizen" form. The natural key is the CPR number
    (in the body, never in the URL)."""

    cpr = serializers.CharField(max_length=20, help_text="DDMMYY-SSSS or 10 digits.")
    name = serializers.CharField(max_length=200)
    team = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    caseworker = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The responsible case worker."
    )
    target_group = serializers.CharField(max_length=40, help_text="Its code.")
    enrolment_start = serializers.DateField()
    preferred_language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], default="da"
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class CitizenSavedSerializer(serializers.Serializer):
    citizen = CitizenSerializer()
    enrolment = EnrolmentSerializer(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())


class CitizenConflictSerializer(serializers.Serializer):
    """The CPR number belongs to a citizen already: what differs, by field (only for
    a citizen in the caller's scope). Nothing was written."""

    detail = serializers.CharField()
    existing = serializers.IntegerField(allow_null=True)

from __future__ import annotations

from rest_framework import serializers

from citizens.models import Citizen


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

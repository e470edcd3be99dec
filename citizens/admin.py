"""Global reference data for the system admin: the national target groups (a dated
lookup: the 2026-2027 reform replaces the 13 groups with 5)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from citizens.models import TargetGroup


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "label_da", "label_en", "valid_from", "valid_to"]
    search_fields = ["code", "label_da", "label_en"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # old enrolments keep their group: end it with valid_to instead

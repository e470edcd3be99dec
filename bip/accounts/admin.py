"""Django admin: only users, units and global reference data, only for the system
admin (DESIGN section 2). A test compares the registrations with an allow-list."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from bip.accounts.models import Membership, Municipality, Team, Unit, User


def site_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["municipality", "unit", "team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    actions = None

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # users are deactivated, never deleted


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_label"]
    search_fields = ["name", "code"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    exclude = ["municipality"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["name"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "municipality"]
    search_fields = ["name"]
    exclude = ["municipality"]

"""Django admin: only users, units and global reference data, only for the system
admin (DESIGN section 2). A test compares the registrations with an allow-list."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bip.accounts.models import (
    PERSON_ROLES,
    Membership,
    Municipality,
    Team,
    Unit,
    User,
)
from bip.audit.models import Purpose
from bip.audit.services import record


def site_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


class LabelledTabularInline(admin.TabularInline):
    """A table row's fields (and its delete box) have only their column heading as a
    visible label: each gets its name as its accessible name too."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):  # type: ignore[misc, valid-type]
            def add_fields(self, form: Any, index: Any) -> None:
                super().add_fields(form, index)
                for name, field in form.fields.items():
                    # lazy: rendered in the request's language
                    field.widget.attrs.setdefault("aria-label", field.label or name)

        return LabelledFormSet


# Roles are memberships; Django's groups and permissions are not used.
admin.site.unregister(Group)


class PersonMembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["municipality", "unit", "team", "role", "valid_from", "valid_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # integration roles belong to integration accounts, made in the product
        self.fields["role"].choices = [("", "---------")] + [  # type: ignore[attr-defined]
            (r.value, r.label) for r in PERSON_ROLES
        ]


class MembershipInline(LabelledTabularInline):
    model = Membership
    form = PersonMembershipForm
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["municipality", "unit", "team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    actions = ["unlock_login"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # An integration's identity is managed by its municipal admin in the product,
        # never here: no password can be set for it, no role given.
        return super().get_queryset(request).filter(is_integration=False)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Unlock login after failed attempts"))
    def unlock_login(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            axes_reset(username=user.get_username())
            record(
                actor=request.user,
                action="login.unlock",
                purpose=Purpose.SECURITY,
                object_type="user",
                object_id=user.pk,
            )
        self.message_user(request, _("The selected users can log in again."))

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # users are deactivated, never deleted


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_label"]
    search_fields = ["name", "code"]


class TeamInline(LabelledTabularInline):
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

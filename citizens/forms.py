from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bip.accounts.models import Membership, Role, Team, User
from bip.accounts.scoping import Scope
from bip.forms import DateInput
from citizens import cpr
from citizens.models import TargetGroup


def writable_teams(scope: Scope) -> Any:
    qs = Team.objects.filter(municipality_id=scope.municipality_id)
    if scope.is_integration:  # a case-management system's token (the API)
        if not scope.integration_writes:
            return qs.none()
        if scope.integration_team_ids is not None:
            qs = qs.filter(pk__in=sorted(scope.integration_team_ids))
    elif not scope.is_municipal_admin:
        qs = qs.filter(pk__in=sorted(scope.team_ids | scope.led_team_ids))
    return qs.select_related("unit").order_by("unit__name", "name")


def caseworkers(scope: Scope) -> Any:
    today = timezone.localdate()
    ids = (
        Membership.objects.current(today)
        .filter(
            municipality_id=scope.municipality_id,
            role__in=[Role.CASEWORKER, Role.TEAM_LEADER],
        )
        .values("user_id")
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by(
        "first_name", "last_name"
    )


def placement_choices(form: forms.Form, scope: Scope) -> None:
    """The team, case-worker and (where present) target-group choices a form offers:
    the viewer's writable teams, the municipality's case workers, groups still valid."""
    form.fields["team"].queryset = writable_teams(scope)
    form.fields["caseworker"].queryset = caseworkers(scope)
    if "target_group" in form.fields:
        form.fields["target_group"].queryset = TargetGroup.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
        ).order_by("label_da")
        form.fields["target_group"].label_from_instance = lambda tg: tg.label


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.unit.name} · {obj.name}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class CprField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = super().clean(value)
        try:
            return cpr.parse(value).digits
        except cpr.CprError as exc:
            raise forms.ValidationError(str(exc)) from None


class CitizenCreateForm(forms.Form):
    cpr_number = CprField(
        label=_("CPR number"),
        max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("10 digits, with or without a hyphen."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    team = TeamChoiceField(label=_("Team"), queryset=Team.objects.none())
    caseworker = UserChoiceField(
        label=_("Responsible case worker"), queryset=User.objects.none()
    )
    target_group = forms.ModelChoiceField(
        label=_("Target group"), queryset=TargetGroup.objects.none()
    )
    enrolment_start = forms.DateField(label=_("Enrolment date"), widget=DateInput())
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args: Any, scope: Scope, viewer: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        placement_choices(self, scope)
        self.initial.setdefault("enrolment_start", timezone.localdate())
        self.initial.setdefault("caseworker", viewer.pk)
        teams = list(self.fields["team"].queryset[:2])
        if len(teams) == 1:
            self.initial.setdefault("team", teams[0].pk)

    def clean_enrolment_start(self) -> Any:
        value = self.cleaned_data["enrolment_start"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class CitizenEditForm(forms.Form):
    cpr_number = CprField(
        label=_("CPR number"),
        max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("Correct the number here if it was wrong; the change is logged."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    round_interval_days = forms.IntegerField(
        label=_("Days between rounds for this citizen"),
        required=False,
        min_value=14,
        max_value=365,
        help_text=_("Leave empty to use the municipality's interval."),
    )


class PlacementForm(forms.Form):
    """A team and responsible case worker from a date: a change of case worker, or
    (with a target group) a new enrolment."""

    team = TeamChoiceField(label=_("Team"), queryset=Team.objects.none())
    caseworker = UserChoiceField(
        label=_("New responsible case worker"), queryset=User.objects.none()
    )
    start = forms.DateField(label=_("From"), widget=DateInput())

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any):
        super().__init__(*args, **kwargs)
        placement_choices(self, scope)
        self.initial.setdefault("start", timezone.localdate())


class AssignForm(PlacementForm):
    pass


class EnrolForm(PlacementForm):
    """Enrol again after a spell ended: a new spell with a new baseline."""

    target_group = forms.ModelChoiceField(
        label=_("Target group"), queryset=TargetGroup.objects.none()
    )
    field_order = ["team", "caseworker", "target_group", "start"]

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any):
        super().__init__(*args, scope=scope, **kwargs)
        self.fields["caseworker"].label = _("Responsible case worker")
        self.fields["start"].label = _("Enrolment date")

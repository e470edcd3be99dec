from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bip.forms import DateInput
from interventions.models import InterventionType, Outcome

DATE = DateInput()


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: InterventionType) -> str:
        return f"{obj.get_group_display()}: {obj.label}"


class EpisodeForm(forms.Form):
    type = TypeChoiceField(
        label=_("Intervention"), queryset=InterventionType.objects.none()
    )
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(
        label=_("End"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty while the intervention is still running."),
    )
    provider = forms.CharField(label=_("Provider"), max_length=150, required=False)
    hours_per_week = forms.DecimalField(
        label=_("Hours per week"),
        required=False,
        min_value=0,
        max_value=80,
        decimal_places=1,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, types: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types.order_by("group", "label_da")
        self.initial.setdefault("start", timezone.localdate())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date is before the start date."))
        return data


class StartManyForm(forms.Form):
    type = TypeChoiceField(
        label=_("Intervention"), queryset=InterventionType.objects.none()
    )
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), widget=DATE, required=False)
    provider = forms.CharField(label=_("Provider"), max_length=150, required=False)
    citizens = forms.ModelMultipleChoiceField(
        label=_("Citizens"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, types: Any, citizens: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types.order_by("group", "label_da")
        self.fields["citizens"].queryset = citizens
        self.fields["citizens"].label_from_instance = lambda c: (
            f"{c.name} ({c.cpr_masked})"
        )
        self.initial.setdefault("start", timezone.localdate())


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Outcome"), choices=Outcome.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)

    def clean_date(self) -> Any:
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class TypeForm(forms.ModelForm):
    class Meta:
        model = InterventionType
        fields = ["code", "group", "label_da", "label_en", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

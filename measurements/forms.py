from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bip.forms import DateInput
from measurements.indicators import BY_CODE, INDICATORS
from measurements.models import (
    Answer,
    MissingReason,
    ModelVersion,
    Question,
    Respondent,
)

CITIZEN_REASONS = (
    MissingReason.DONT_KNOW,
    MissingReason.DECLINED,
    MissingReason.NOT_RELEVANT,
)
CITIZEN_REASON_LABELS = {
    MissingReason.DONT_KNOW: _("I don't know"),
    MissingReason.DECLINED: _("I don't want to answer"),
    MissingReason.NOT_RELEVANT: _("Not relevant for me"),
}


def text_for(question: Question, language: str) -> Any:
    texts = {t.language: t for t in question.texts.all()}
    return texts.get(language) or texts.get("da") or next(iter(texts.values()), None)


class AnswersForm(forms.Form):
    """One radio group per question: 1-5 or a reason for not answering. A radio
    group is one tab stop and arrow keys move within it: keyboard entry is natural."""

    def __init__(
        self,
        *args: Any,
        questions: list[Question],
        language: str,
        current: dict[int, Answer] | None = None,
        for_citizen: bool = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.questions = {q.pk: q for q in questions}
        current = current or {}
        for q in questions:
            text = text_for(q, language)
            reasons = (
                [(r.value, CITIZEN_REASON_LABELS[r]) for r in CITIZEN_REASONS]
                if for_citizen
                else list(MissingReason.choices)
            )
            field = forms.ChoiceField(
                label=text.text if text else q.code,
                choices=[(str(v), str(v)) for v in range(1, 6)] + reasons,
                widget=forms.RadioSelect,
                required=False,
            )
            field.low_label = text.low_label if text else "1"
            field.high_label = text.high_label if text else "5"
            field.question = q
            self.fields[f"q{q.pk}"] = field
            answer = current.get(q.pk)
            if answer is not None and f"q{q.pk}" not in self.initial:
                self.initial[f"q{q.pk}"] = (
                    str(answer.value) if answer.value else answer.missing_reason
                )

    def answers(self) -> dict[str, dict[int, tuple[int | None, str]]]:
        out: dict[str, dict[int, tuple[int | None, str]]] = {
            r: {} for r in Respondent.values
        }
        for name, value in self.cleaned_data.items():
            if not name.startswith("q") or not value:
                continue
            q = self.questions[int(name[1:])]
            out[q.respondent][q.pk] = (
                (int(value), "") if value.isdigit() else (None, value)
            )
        return out

    def rows(self) -> list[dict[str, Any]]:
        """Questions side by side per indicator: case worker left, citizen right."""
        by: dict[str, dict[str, list[Any]]] = {}
        for name in self.fields:
            if not name.startswith("q"):
                continue
            q = self.questions[int(name[1:])]
            slot = by.setdefault(q.indicator or "", {r: [] for r in Respondent.values})
            slot[q.respondent].append(self[name])
        rows = [
            {"label": BY_CODE[i.code].label, "code": i.code, **by[i.code]}
            for i in INDICATORS
            if i.code in by
        ]
        if "" in by:
            rows.append({"label": _("Local questions"), "code": "local", **by[""]})
        return rows

    def fields_for(self, respondent: str) -> list[Any]:
        return [
            self[n]
            for n in self.fields
            if n.startswith("q") and self.questions[int(n[1:])].respondent == respondent
        ]

    @property
    def fields_for_citizen(self) -> list[Any]:
        return self.fields_for(Respondent.CITIZEN)


class RoundForm(AnswersForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    round_date = forms.DateField(
        label=_("Date of the conversation"),
        widget=DateInput(),
        required=False,
    )

    def clean_round_date(self) -> Any:
        value = self.cleaned_data.get("round_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class CorrectionForm(AnswersForm):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the corrected answers and in the audit log."),
    )


class ModelFitForm(forms.Form):
    """Fit or recalibrate a model, validated on held-out citizens (chosen with a seed,
    so the fit can be repeated) or on the rounds after a cut-off date."""

    kind = forms.ChoiceField(
        choices=[
            (ModelVersion.Kind.LOCAL, _("Fit a local model")),
            (ModelVersion.Kind.RECALIBRATED, _("Recalibrate the reference model")),
        ],
        error_messages={
            "invalid_choice": _("Choose a local fit or a recalibration."),
            "required": _("Choose a local fit or a recalibration."),
        },
    )
    validation = forms.ChoiceField(
        label=_("Validation"),
        choices=[
            (
                ModelVersion.Validation.CITIZENS,
                _("On held-out citizens: a quarter of the citizens, chosen at random"),
            ),
            (
                ModelVersion.Validation.TEMPORAL,
                _("On later rounds: fit on the rounds before a cut-off date"),
            ),
        ],
        initial=ModelVersion.Validation.CITIZENS,
        required=False,  # held-out citizens unless chosen otherwise
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the kinds of validation.")},
    )
    seed = forms.IntegerField(
        label=_("Seed for choosing the held-out citizens"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_(
            "Leave empty for a new random seed. The seed is stored with the version: "
            "the same seed on the same data gives the same fit."
        ),
    )
    cutoff = forms.DateField(
        label=_("Cut-off date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "For validation on later rounds: the fit sees only rounds whose 3-month "
            "window ended by this date, and is validated on the rounds from it."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("validation") and "validation" not in self.errors:
            data["validation"] = ModelVersion.Validation.CITIZENS
        if data.get("validation") == ModelVersion.Validation.TEMPORAL:
            cutoff = data.get("cutoff")
            if cutoff is None and "cutoff" not in self.errors:
                self.add_error(
                    "cutoff",
                    _("Choose the cut-off date for validation on later rounds."),
                )
            elif cutoff is not None and cutoff > timezone.localdate():
                self.add_error(
                    "cutoff",
                    _(
                        "The cut-off date must be today or earlier: later rounds are needed."
                    ),
                )
        return data

"""The 11 BIP indicators (SPEC section 2). Their codes are the features of the
job-probability model, so they are a fixed list; questions, texts and versions are data."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Indicator:
    code: str
    label: object  # lazy translation
    citizen_rates: bool  # whether the default instrument asks the citizen


INDICATORS = (
    Indicator("labour_market_knowledge", _("Knowledge of the labour market"), True),
    Indicator("concentration", _("Ability to concentrate"), False),
    Indicator("self_efficacy", _("Belief in getting a job"), True),
    Indicator("cw_job_belief", _("Case worker's belief the citizen gets a job"), False),
    Indicator("goal_directed", _("Purposefulness"), True),
    Indicator("contact", _("Ability to make contact"), True),
    Indicator("cooperation", _("Ability to cooperate"), True),
    Indicator("network", _("Support from network"), True),
    Indicator("everyday_coping", _("Coping with everyday life"), True),
    Indicator("health_coping", _("Coping with health challenges"), True),
    Indicator("job_search", _("Job-search behaviour"), True),
)
BY_CODE = {i.code: i for i in INDICATORS}
CODES = tuple(i.code for i in INDICATORS)
CHOICES = [(i.code, i.label) for i in INDICATORS]

from __future__ import annotations

import numpy as np

from measurements.models import (
    Answer,
    InstrumentVersion,
    ModelVersion,
    Respondent,
    Response,
    Round,
)
from measurements.scoring.model import Coefficients
from measurements.scoring.versions import coefficients_to_json
from measurements.services import questions
from measurements.synthetic.uniform import uniform_spells
from measurements.synthetic.writer import write_spells


def answers_for(rnd, respondent, value="3", **overrides):
    """POST data answering every question of a respondent with `value`."""
    data = {}
    for q in questions(rnd.instrument_version, respondent):
        data[f"q{q.pk}"] = overrides.get(q.indicator, value)
    return data


def full_round_post(rnd, action="submit_both", **extra):
    return {
        "lock_version": rnd.lock_version,
        "round_date": "2026-02-02",
        "action": action,
        **answers_for(rnd, Respondent.CASEWORKER, "4"),
        **answers_for(rnd, Respondent.CITIZEN, "2"),
        **extra,
    }


def make_round(citizen, day, cw=3, cit=3, missing=(), citizen_part=True, version=None):
    """A complete round written directly; `cw`/`cit` a value or a function of the
    indicator; `missing` holds (respondent, indicator) pairs left unanswered."""
    version = version or InstrumentVersion.objects.get(municipality__isnull=True)
    enrolment = (
        citizen.enrolments.get(end__isnull=True)
        if citizen.enrolments.filter(end__isnull=True)
        else citizen.enrolments.latest("start")
    )
    rnd = Round.objects.create(
        enrolment=enrolment,
        municipality=citizen.municipality,
        instrument_version=version,
        state="complete",
        round_date=day,
        created_by=citizen.caseworker,
    )
    for respondent, value in ((Respondent.CASEWORKER, cw), (Respondent.CITIZEN, cit)):
        state = "submitted" if (respondent == "caseworker" or citizen_part) else "draft"
        response = Response.objects.create(
            round=rnd, respondent=respondent, state=state
        )
        if state != "submitted":
            continue
        for q in version.questions.filter(respondent=respondent):
            v = value(q.indicator) if callable(value) else value
            if (respondent, q.indicator) in missing:
                Answer.objects.create(
                    response=response,
                    question=q,
                    value=None,
                    missing_reason="dont_know",
                )
            else:
                Answer.objects.create(response=response, question=q, value=v)
    return rnd


def run_scores(municipality, **kwargs):
    """Request a recompute job for the municipality and run it here, as a worker
    would; returns the finished job."""
    from django.db import transaction

    from bip.jobs.services import job_run
    from measurements.scoring.recompute import scores_request

    with transaction.atomic():
        job = scores_request(
            municipality_id=municipality.pk,
            trigger=kwargs.pop("trigger", "test"),
            **kwargs,
        )
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.error
    return job


def bulk_spells(team, caseworker, *, spells, per_spell=5, seed=7):
    """`spells` citizens, each enrolled once with `per_spell` complete rounds, both
    parts answered with random values; written in bulk (fixed seed). Returns the
    rounds, spell by spell."""
    written = write_spells(
        uniform_spells(
            n=spells, caseworker=caseworker.pk, per_spell=per_spell, seed=seed
        ),
        team=team,
    )
    return list(Round.objects.filter(pk__in=written.rounds).order_by("pk"))


def only(**changes):
    """Answers of 3 but for the indicators named: make_round(cw=only(contact=5))."""
    return lambda indicator: changes.get(indicator, 3)


LOCAL_NAMES = [
    "const",
    "cw_cw_job_belief",  # large and certain: still never listed
    "cw_goal_directed",
    "cw_network",
    "cw_contact",  # its interval includes 0
    "cit_job_search",
    "cit_health_coping",
    "cit_everyday_coping",  # negative
    "cw_change",  # not an indicator
]
LOCAL_ESTIMATES = [-3.5, 0.6, 0.3, 0.25, 0.1, 0.2, 0.15, -0.2, -0.3]
LOCAL_SES = [0.1, 0.05, 0.06, 0.05, 0.09, 0.07, 0.06, 0.05, 0.1]


def local_version(municipality):
    """A local version (not active) with correlated errors (a fixed, positive definite
    matrix): some indicators clearly positive, one whose interval includes 0, one
    negative, and the case worker's belief and a change of case worker."""
    rng = np.random.default_rng(5)
    a = rng.normal(size=(len(LOCAL_NAMES), len(LOCAL_NAMES)))
    corr = np.corrcoef(a @ a.T + 3 * np.eye(len(LOCAL_NAMES)))
    c = Coefficients(
        intercept=LOCAL_ESTIMATES[0],
        features=dict(zip(LOCAL_NAMES[1:], LOCAL_ESTIMATES[1:], strict=True)),
    )
    return ModelVersion.objects.create(
        municipality=municipality,
        kind="local",
        coefficients=coefficients_to_json(c),
        estimates={
            n: {"estimate": e, "se": s}
            for n, e, s in zip(LOCAL_NAMES, LOCAL_ESTIMATES, LOCAL_SES, strict=True)
        },
        covariance={
            "names": LOCAL_NAMES,
            "matrix": (corr * np.outer(LOCAL_SES, LOCAL_SES)).tolist(),
        },
    )

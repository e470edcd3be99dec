"""No page answers 500 for any model version stored in the database (DESIGN section
5): versions stored by an older release or by hand, with standard errors in the
millions, a covariance that is not positive semi-definite, NaN written as text,
values that are not numbers, missing keys. The model page, the model list and the
citizen page with "what to work on" answer 200 and say why a value cannot be shown."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.db import transaction

from bip.jobs.services import job_run
from measurements.models import ModelVersion
from measurements.scoring.recompute import scores_request
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round, only, run_scores

pytestmark = pytest.mark.django_db

NAMES = ["const", "cw_goal_directed", "cw_network", "age_25_30"]


def rank_deficient():
    """As the fit stored it before the checks: a band with nobody in it next to the
    others, standard errors of 10^7 and a covariance that is not PSD."""
    return {
        "coefficients": {
            "intercept": -4.0,
            "features": {"cw_goal_directed": 0.3, "cw_network": 0.2},
            "time_bands": [0.0, 0.1, 0.2, 0.1, -0.2],
            "age_bands": [0.0, 31.5, 0.1, -0.1, -0.4],
            "target_groups": {},
        },
        "estimates": {
            "const": {"estimate": -4.0, "se": 0.1},
            "cw_goal_directed": {"estimate": 0.3, "se": 0.05},
            "cw_network": {"estimate": 0.2, "se": 0.05},
            "age_25_30": {"estimate": 31.5, "se": 1.2e7},
        },
        "covariance": {
            "names": NAMES,
            "matrix": [
                [0.01, 0.0, 0.0, 0.0],
                [0.0, 0.0025, 0.0, 0.0],
                [0.0, 0.0, 0.0025, 0.0],
                [0.0, 0.0, 0.0, -1.44e14],
            ],
        },
        "metrics": {
            "held_out": {
                "c_statistic": 0.7,
                "n_rows": 900,
                "n_events": 30,
                "deciles": [{"d": 0, "n": 90, "predicted": 0.01, "observed": 0.0}],
            }
        },
    }


def not_numbers():
    """NaN and infinity as text (PostgreSQL's jsonb has no NaN), None, a number too
    large for exp(), text where numbers belong, unreadable levels."""
    return {
        "coefficients": {
            "intercept": "NaN",
            "features": {"cw_goal_directed": None},
            "time_bands": [0, 0, 0],
        },
        "estimates": {
            "cw_goal_directed": {"estimate": "NaN", "se": None},
            "cw_network": {"estimate": 1e308, "se": 1.0},
            "cw_contact": {"estimate": 0.2, "se": "Infinity"},
            "age_25_30": "oops",
        },
        "covariance": {"names": ["cw_network"], "matrix": [["x"]]},
        "metrics": {
            "held_out": {
                "c_statistic": "NaN",
                "n_rows": "many",
                "c_statistic_ci": ["a", None],
                "deciles": [{"d": 0, "n": "x", "predicted": None, "observed": 0.1}],
                "by_age_band": {"x": {"n": 3, "predicted": "y", "observed": 1}},
                "by_target_group": ["not", "a", "mapping"],
            },
            "held_out_reference": "Infinity",
        },
        "levels": {"time_band": "garbage"},
        "validation_fit": {"estimates": 5, "levels": [1, 2]},
    }


def missing_keys():
    return {
        "coefficients": {},
        "estimates": {"cw_goal_directed": {}},
        "covariance": {},
        "metrics": {"held_out": None},
        "validation": "citizens",
        "split_seed": 12,
        "validation_fit": {"n_rows": None},
        # a reference that is not one of the groups
        "levels": {
            name: {"groups": [[0]], "reference": 3}
            for name in ("time_band", "age_band", "target_group")
        },
    }


BROKEN = {
    "rank_deficient": (
        rank_deficient,
        [
            "ikke positivt semidefinit",
            "age_25_30",
            "kan ikke estimeres: standardfejl 1.2e+07",
        ],
    ),
    "not_numbers": (
        not_numbers,
        [
            "De gemte koefficienter mangler eller er ikke endelige tal: intercept",
            "intet estimat gemt",
            "for stor til at vise: log-odds 1e+308",
            "ingen standardfejl gemt",
            "Denne versions gemte niveauer kan ikke læses.",
        ],
    ),
    "missing_keys": (
        missing_keys,
        [
            "De gemte koefficienter mangler eller er ikke endelige tal: intercept",
            "Estimaterne for cw_goal_directed mangler",
            "valgt med startværdien 12",
            "Denne versions gemte niveauer kan ikke læses.",
        ],
    ),
}


@pytest.fixture(params=sorted(BROKEN))
def broken(request, world):
    make, reasons = BROKEN[request.param]
    version = ModelVersion.objects.create(
        municipality=world.municipality, kind="local", **make()
    )
    return version, reasons


@pytest.fixture
def scored(world, caseworker):
    person = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2025, 1, 6)
    )
    make_round(person, date(2025, 1, 10))
    make_round(person, date(2025, 4, 10), cw=only(cw_job_belief=4))
    run_scores(world.municipality)
    return person


def test_the_model_page_and_list_answer_and_say_why(client, municipal_admin, broken):
    version, reasons = broken
    client.force_login(municipal_admin)
    r = client.get(f"/models/{version.pk}/")
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    for reason in reasons:
        assert reason in body, reason
    r = client.get("/models/")
    assert r.status_code == HTTPStatus.OK
    assert f"/models/{version.pk}/" in r.content.decode()


def test_the_citizen_page_says_why_there_is_nothing_to_work_on(
    client, caseworker, scored, broken, world
):
    version, _reasons = broken
    ModelVersion.objects.filter(pk=version.pk).update(active=True)
    # the recompute under the version: it stores why where the version's intervals
    # cannot be computed, and fails where its coefficients cannot be read
    with transaction.atomic():
        job = scores_request(municipality_id=world.municipality.pk, trigger="sweep")
    job_run(job_id=job.pk)
    client.force_login(caseworker)
    r = client.get(f"/citizens/{scored.pk}/")
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "Det kan I arbejde med kan ikke vises under den aktive model" in body
    assert list(r.context["worklist"]) == []
    assert r.context["worklist"].reason
    assert not r.context["worklist"].pending
    assert "0,0 til 0,0" not in body
    # the stored scores (of the version, or of the previous model) are still shown
    assert r.context["scores"]["latest"] is not None


def test_a_version_that_cannot_score_is_not_activated(client, municipal_admin, world):
    version = ModelVersion.objects.create(
        municipality=world.municipality, kind="local", **missing_keys()
    )
    client.force_login(municipal_admin)
    r = client.post(f"/models/{version.pk}/activate/", follow=True)
    assert r.status_code == HTTPStatus.OK
    assert "Denne version kan ikke aktiveres" in r.content.decode()
    version.refresh_from_db()
    assert not version.active

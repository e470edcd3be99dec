"""Intervention associations: clustered least squares as statsmodels computes it, a
known association recovered with a fixed seed, minimum counts, and the job that
writes the snapshots from the stored scores."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from interventions.models import InterventionEpisode, InterventionType
from measurements.models import AssociationSnapshot
from measurements.scoring.associations import (
    MIN_PAIRS,
    compute,
    ols_clustered,
)
from tests.measurements.helpers import bulk_spells, run_scores


def test_clustered_errors_match_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(60), 5)
    X = np.column_stack([np.ones(300), rng.normal(size=300), rng.integers(0, 2, 300)])
    y = X @ [0.1, -0.3, 0.5] + rng.normal(size=60)[groups] + rng.normal(size=300)
    beta, cov = ols_clustered(y, X, groups)
    fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
    np.testing.assert_allclose(beta, fit.params, rtol=1e-10)
    np.testing.assert_allclose(cov, fit.cov_params(), rtol=1e-8)


def synthetic_pairs(n_citizens=400, per=4, seed=11):
    """Pairs whose change goes with 'practice' (+0.3) and not with 'course' (0),
    with regression to the mean (-0.4 per unit of starting level) and a citizen
    effect; 'rare' is given to only a few pairs."""
    rng = np.random.default_rng(seed)
    citizens = np.repeat(np.arange(n_citizens), per)
    n = len(citizens)
    start = rng.normal(0, 0.5, n)
    practice = rng.random(n) < 0.3
    course = rng.random(n) < 0.3
    rare = np.zeros(n, dtype=bool)
    rare[: MIN_PAIRS - 5] = True
    delta = (
        0.3 * practice
        - 0.4 * start
        + rng.normal(0, 0.2, n_citizens)[citizens]
        + rng.normal(0, 0.5, n)
    )
    types = [
        frozenset(
            name for name, on in (("practice", p), ("course", c), ("rare", r)) if on
        )
        for p, c, r in zip(practice, course, rare, strict=True)
    ]
    mix = np.where(practice, "job_only", np.where(course, "other_only", "none"))
    klass = np.where(
        delta > 0.1, "progress", np.where(delta < -0.1, "regression", "standstill")
    )
    return pd.DataFrame(
        {
            "round_id": np.arange(n),
            "citizen_id": citizens,
            "start": start,
            "delta": delta,
            "types": types,
            "mix": mix,
            "klass": klass,
        }
    )


def test_a_known_association_is_recovered_and_small_cells_get_no_estimate():
    labels = {
        c: {"da": c, "en": c, "group": "x"} for c in ("practice", "course", "rare")
    }
    data = compute(synthetic_pairs(), None, labels)
    by_type = {r["code"]: r for r in data["by_type"]}
    assert by_type["practice"]["low"] < 0.3 < by_type["practice"]["high"]
    assert by_type["practice"]["low"] > 0  # clearly positive
    assert by_type["practice"]["low_adj"] > 0  # also among the types compared
    assert by_type["practice"]["low_adj"] < by_type["practice"]["low"]
    assert by_type["course"]["low"] < 0 < by_type["course"]["high"]
    assert by_type["rare"]["n"] == MIN_PAIRS - 5
    assert "estimate" not in by_type["rare"]  # too few observations
    by_mix = {r["mix"]: r for r in data["by_mix"]}
    # adjusted means: job-directed alone 0.3 above none
    diff = by_mix["job_only"]["estimate"] - by_mix["none"]["estimate"]
    assert diff == pytest.approx(0.3, abs=0.08)
    assert sum(by_mix["none"]["classes"].values()) == by_mix["none"]["n"]
    assert by_mix["job_parallel"]["n"] == 0
    assert "estimate" not in by_mix["job_parallel"]


@pytest.mark.django_db
def test_the_job_writes_snapshots_for_the_municipality_and_each_unit(world, caseworker):
    rounds = bulk_spells(world.team, caseworker, spells=60)
    practice = InterventionType.objects.filter(
        municipality__isnull=True, group="job_directed"
    ).first()
    InterventionEpisode.objects.bulk_create(
        InterventionEpisode(
            enrolment_id=r.enrolment_id,
            municipality=world.municipality,
            type=practice,
            start=r.round_date - timedelta(days=60),
            end=r.round_date - timedelta(days=10),
        )
        for r in rounds[::2]
    )
    run_scores(world.municipality, trigger="sweep")  # then the associations job
    from bip.jobs.models import Job
    from bip.jobs.services import job_run
    from measurements.models import Score

    # a round that compares with nothing (say, every question reworded) is left out,
    # and spoils no estimate
    Score.objects.filter(round=rounds[1]).update(delta_indicator_lp=None, klass="")

    job = Job.objects.get(kind="scores.associations")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.error
    whole = AssociationSnapshot.objects.get(unit__isnull=True)
    assert whole.data["n_pairs"] == 60 * 4 - 1
    unit = AssociationSnapshot.objects.get(unit=world.unit)
    assert unit.data["n_pairs"] == 60 * 4 - 1
    assert all(
        r.get("estimate") is not None for r in whole.data["by_mix"] if r["n"] >= 20
    )
    types = {r["code"]: r for r in whole.data["by_type"]}
    assert types[practice.code]["n"] > 0
    assert set(whole.data["by_indicator"]) >= {"contact", "cw_job_belief"}
    # running again replaces, never piles up
    from django.db import transaction

    from measurements.scoring.associations import associations_request

    with transaction.atomic():
        again = associations_request(municipality_id=world.municipality.pk)
    job_run(job_id=again.pk)
    assert AssociationSnapshot.objects.count() == 2

"""Fits are reproducible (the seed is stored and a fit can be repeated exactly), can
be validated on held-out citizens or on later rounds, and the version's coefficients
are a final refit on all rows; the validation figures come from the split fit."""

from __future__ import annotations

import re
from datetime import date, timedelta
from http import HTTPStatus
from unittest import mock

import pytest
from django.db import transaction

from bip.jobs.models import Job
from bip.jobs.services import job_run
from measurements.models import ModelVersion
from measurements.scoring import fitting
from measurements.scoring.recompute import Context
from measurements.scoring.services import HOLDOUT, model_activate, model_fit_request
from measurements.scoring.versions import coefficients_to_json
from measurements.synthetic.cohort import generate

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def panel():
    return generate(n_citizens=4000, seed=20261201).panel


def run_fit(world, admin, panel, **options):
    """Request a fit and run its job here, as a worker would; the version stored."""
    with transaction.atomic():
        job = model_fit_request(
            municipality_id=world.municipality.pk, by=admin, **options
        )
    with mock.patch("measurements.scoring.services.build_panel", return_value=panel):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.error
    return ModelVersion.objects.get(pk=job.result["model_version_id"])


def test_the_same_seed_gives_the_same_fit(world, municipal_admin, panel):
    first = run_fit(world, municipal_admin, panel, kind="local", seed=4242)
    second = run_fit(world, municipal_admin, panel, kind="local", seed=4242)
    assert first.pk != second.pk
    assert (first.split_seed, first.validation) == (4242, "citizens")
    assert first.holdout_fraction == HOLDOUT
    assert first.coefficients == second.coefficients
    assert first.validation_fit == second.validation_fit
    held = first.metrics["held_out"]
    assert held["c_statistic"] == second.metrics["held_out"]["c_statistic"]
    assert held["n_rows"] == second.metrics["held_out"]["n_rows"]
    # another seed holds out other citizens
    _train, other = fitting.split_by_citizen(panel, fraction=HOLDOUT, seed=4243)
    assert len(fitting.fitting_rows(other)) != held["n_rows"]


def test_without_a_seed_a_random_one_is_stored(world, municipal_admin):
    with transaction.atomic():
        job = model_fit_request(
            municipality_id=world.municipality.pk, kind="local", by=municipal_admin
        )
    assert isinstance(job.params["seed"], int)
    assert 0 <= job.params["seed"] < 1_000_000
    assert job.params["validation"] == "citizens"


def test_the_final_refit_on_all_rows_is_what_is_activated(
    world, municipal_admin, panel
):
    version = run_fit(world, municipal_admin, panel, kind="local", seed=77)
    train, held = fitting.split_by_citizen(panel, fraction=HOLDOUT, seed=77)
    split = fitting.fit_local(train)
    final = fitting.fit_local(panel)
    # the version's coefficients and estimates are the refit on every row with a
    # known outcome
    assert version.coefficients == coefficients_to_json(final.coefficients)
    assert version.estimates["cw_cw_job_belief"]["estimate"] == pytest.approx(
        final.params["cw_cw_job_belief"]
    )
    assert version.n_rows == len(fitting.fitting_rows(panel)) == final.n_rows
    assert version.levels == final.levels.to_json()
    # the validation figures are the split fit's, on the held-out citizens
    expected = fitting.validate(held, split.coefficients)
    assert version.metrics["held_out"]["c_statistic"] == pytest.approx(
        expected["c_statistic"]
    )
    assert version.validation_fit["n_rows"] == split.n_rows < version.n_rows
    assert version.validation_fit["estimates"]["cw_cw_job_belief"][
        "estimate"
    ] == pytest.approx(split.params["cw_cw_job_belief"])
    assert version.coefficients != coefficients_to_json(split.coefficients)
    # activated, the final coefficients are the ones every round is scored with
    model_activate(
        version=version, by=municipal_admin, municipality_id=world.municipality.pk
    )
    ctx = Context.load(
        municipality_id=world.municipality.pk, model_version_id=version.pk
    )
    assert coefficients_to_json(ctx.coefficients) == coefficients_to_json(
        final.coefficients
    )


def test_temporal_validation_fits_before_the_cutoff_and_validates_after(
    world, municipal_admin, panel
):
    cutoff = date(2023, 7, 1)
    seen = []
    real = fitting.recalibrate

    def spy(rows, reference):
        seen.append(rows)
        return real(rows, reference)

    with mock.patch.object(fitting, "recalibrate", side_effect=spy):
        version = run_fit(
            world,
            municipal_admin,
            panel,
            kind="recalibrated",
            validation="temporal",
            cutoff=cutoff,
        )
    split_rows, final_rows = seen
    # the validation fit saw only rounds whose window ended by the cut-off
    assert max(split_rows["round_date"]) + timedelta(days=91) <= cutoff
    assert len(split_rows) == int(
        (panel["round_date"] + timedelta(days=91) <= cutoff).sum()
    )
    # the final fit saw every row
    assert len(final_rows) == len(panel)
    assert (version.validation, version.validation_cutoff) == ("temporal", cutoff)
    assert version.split_seed is None
    assert version.holdout_fraction is None
    later = fitting.fitting_rows(panel[panel["round_date"] >= cutoff])
    held = version.metrics["held_out"]
    assert held["n_rows"] == len(later)
    assert date.fromisoformat(held["first_round"]) >= cutoff
    assert date.fromisoformat(version.validation_fit["last_round"]) < cutoff
    assert version.validation_fit["n_rows"] < version.n_rows


def test_a_cutoff_after_every_round_fails_the_job_saying_why(
    world, municipal_admin, panel
):
    with transaction.atomic():
        job = model_fit_request(
            municipality_id=world.municipality.pk,
            kind="recalibrated",
            by=municipal_admin,
            validation="temporal",
            cutoff=date(2031, 1, 1),
        )
    with mock.patch("measurements.scoring.services.build_panel", return_value=panel):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed"
    assert "ingen målinger med kendt udfald at validere på" in job.error
    assert not ModelVersion.objects.filter(municipality=world.municipality).exists()


def post_fit(client, **data):
    return client.post("/models/fit/", data)


def test_the_fit_form_checks_its_input_and_writes_nothing_when_wrong(
    client, municipal_admin
):
    client.force_login(municipal_admin)
    future = (date.today() + timedelta(days=2)).isoformat()  # noqa: DTZ011
    cases = [
        ({"validation": "temporal"}, "Vælg skæringsdatoen"),
        ({"validation": "temporal", "cutoff": future}, "i dag eller tidligere"),
        ({"validation": "temporal", "cutoff": "31-02-2024"}, "gyldig dato"),
        ({"seed": "-1"}, "større end eller lig 0"),
        ({"seed": "abc"}, "et heltal"),
        ({"validation": "bootstrap"}, "Vælg en af måderne at validere på"),
    ]
    for data, error in cases:
        r = post_fit(client, kind="local", **data)
        assert r.status_code == HTTPStatus.OK, data
        assert error in r.content.decode(), (data, error)
    assert not Job.objects.filter(kind="models.fit").exists()


def test_the_fit_form_starts_the_job_with_the_choices(client, municipal_admin):
    client.force_login(municipal_admin)
    r = post_fit(client, kind="local", validation="citizens", seed="42")
    assert r.status_code == HTTPStatus.FOUND
    r = post_fit(
        client, kind="recalibrated", validation="temporal", cutoff="2024-01-01"
    )
    assert r.status_code == HTTPStatus.FOUND
    first, second = Job.objects.filter(kind="models.fit").order_by("pk")
    assert (first.params["kind"], first.params["seed"]) == ("local", 42)
    assert first.params["validation"] == "citizens"
    assert second.params["validation"] == "temporal"
    assert second.params["cutoff"] == "2024-01-01"
    assert second.params["seed"] is None


def test_anonymous_cannot_fit(client):
    r = post_fit(client, kind="local")
    assert r.status_code == HTTPStatus.FOUND
    assert "/login" in r["Location"] or "/accounts/" in r["Location"]
    assert not Job.objects.filter(kind="models.fit").exists()


def test_the_model_card_shows_both_fits_and_repeats_the_fit(
    client, world, municipal_admin, panel
):
    version = run_fit(world, municipal_admin, panel, kind="local", seed=31337)
    client.force_login(municipal_admin)
    r = client.get(f"/models/{version.pk}/")
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "valgt med startværdien 31337" in body
    assert "Valideringsmodel" in body
    assert "Endelig model" in body
    assert "alle rækker med kendt udfald" in body
    assert "Referenceniveauer og sammenlagte niveauer" in body
    # the repeat button posts this version's settings: the same seed again
    form = re.search(r'<form method="post" action="/models/fit/".*?</form>', body, re.S)
    fields = dict(
        re.findall(r'name="(kind|validation|seed|cutoff)" value="([^"]*)"', form[0])
    )
    assert fields == {"kind": "local", "validation": "citizens", "seed": "31337"}
    client.post("/models/fit/", fields)
    job = Job.objects.filter(kind="models.fit").latest("pk")
    assert job.params["seed"] == 31337
    assert job.params["validation"] == "citizens"

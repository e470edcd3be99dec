from __future__ import annotations

from http import HTTPStatus
from unittest import mock

import pytest

from bip.jobs.models import Job
from measurements.models import ModelVersion
from measurements.synthetic.cohort import generate

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def panel():
    return generate(n_citizens=5000, seed=5).panel


def fit(client, kind, panel, capture):
    with (
        mock.patch("measurements.scoring.services.build_panel", return_value=panel),
        capture(execute=True),
    ):
        return client.post("/models/fit/", {"kind": kind})


def test_admin_fits_compares_and_activates_a_local_model(
    client, municipal_admin, world, panel, django_capture_on_commit_callbacks
):
    client.force_login(municipal_admin)
    page = client.get("/models/").content.decode()
    assert (
        "Referencemodel (BIP&#x27;s offentliggjorte effekter)" in page
        or "Referencemodel (BIP's offentliggjorte effekter)" in page
    )
    r = fit(client, "local", panel, django_capture_on_commit_callbacks)
    assert r.status_code == HTTPStatus.FOUND
    job = Job.objects.get(kind="models.fit")
    assert job.state == "done", job.error
    version = ModelVersion.objects.get(municipality=world.municipality)
    assert not version.active
    assert version.split_seed is not None
    assert version.holdout_fraction == 0.25
    held = version.metrics["held_out"]
    assert 0.5 < held["c_statistic"] < 1
    assert version.metrics["held_out_reference"]["n_rows"] == held["n_rows"]
    detail = client.get(f"/models/{version.pk}/").content.decode()
    assert "Oddsratio" in detail
    assert "Kalibrering pr. decil" in detail
    assert "Kalibrering pr. aldersgruppe" in detail
    assert "Kalibrering pr. målgruppe" in detail
    client.post(f"/models/{version.pk}/activate/")
    version.refresh_from_db()
    assert version.active
    assert (
        "Lokal model tilpasset kommunens egne data"
        in client.get("/models/").content.decode()
    )


def test_too_few_events_fails_the_job_with_the_figures(
    client, municipal_admin, django_capture_on_commit_callbacks
):
    client.force_login(municipal_admin)
    small = generate(n_citizens=100, seed=2).panel
    fit(client, "local", small, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="models.fit")
    assert job.state == "failed"
    assert "hændelser pr. parameter" in job.error
    assert ModelVersion.objects.filter(municipality__isnull=False).count() == 0
    assert job.error in client.get("/models/").content.decode()


def test_recalibration(
    client, municipal_admin, world, panel, django_capture_on_commit_callbacks
):
    client.force_login(municipal_admin)
    fit(client, "recalibrated", panel, django_capture_on_commit_callbacks)
    version = ModelVersion.objects.get(municipality=world.municipality)
    assert version.kind == "recalibrated"
    assert set(version.estimates) == {"const", "slope"}


def test_bad_kind_and_roles(client, municipal_admin, caseworker):
    client.force_login(municipal_admin)
    client.post("/models/fit/", {"kind": "magic"})
    assert not Job.objects.filter(kind="models.fit").exists()
    client.force_login(caseworker)
    assert client.get("/models/").status_code == HTTPStatus.FORBIDDEN
    assert (
        client.post("/models/fit/", {"kind": "local"}).status_code
        == HTTPStatus.FORBIDDEN
    )


def test_the_shipped_reference_model_is_active_by_default(world):
    from measurements.scoring.versions import active_model

    assert active_model(municipality_id=world.municipality.pk).kind == "reference"

"""The associations page: who may see it, which unit, suppression of small cells, and
the admin's "compute again" (a job)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.utils import timezone

from bip.jobs.models import Job
from measurements.models import AssociationSnapshot, ModelVersion
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

DATA = {
    "n_pairs": 240,
    "n_citizens": 61,
    "min_pairs": 20,
    "min_citizens": 10,
    "labels": {
        "virksomhedspraktik": {
            "da": "Virksomhedspraktik",
            "en": "Work practice",
            "group": "job_directed",
        },
        "misbrugsbehandling": {
            "da": "Misbrugsbehandling",
            "en": "Addiction treatment",
            "group": "health",
        },
    },
    "by_mix": [
        {
            "mix": "none",
            "n": 60,
            "citizens": 30,
            "classes": {"progress": 10, "standstill": 47, "regression": 3},
            "estimate": -0.05,
            "low": -0.09,
            "high": -0.01,
        },
        {
            "mix": "job_only",
            "n": 180,
            "citizens": 55,
            "classes": {"progress": 90, "standstill": 60, "regression": 30},
            "estimate": 0.08,
            "low": 0.05,
            "high": 0.11,
        },
        {
            "mix": "job_parallel",
            "n": 0,
            "citizens": 0,
            "classes": {"progress": 0, "standstill": 0, "regression": 0},
        },
        {
            "mix": "other_only",
            "n": 0,
            "citizens": 0,
            "classes": {"progress": 0, "standstill": 0, "regression": 0},
        },
    ],
    "by_type": [
        {
            "code": "virksomhedspraktik",
            "n": 180,
            "citizens": 55,
            "estimate": 0.12,
            "low": 0.06,
            "high": 0.18,
        },
        {"code": "misbrugsbehandling", "n": 3, "citizens": 2},
    ],
    "by_indicator": {},
}


@pytest.fixture
def snapshots(world):
    reference = ModelVersion.objects.get(municipality__isnull=True)
    now = timezone.now()
    whole = AssociationSnapshot.objects.create(
        municipality=world.municipality,
        model_version=reference,
        data=DATA,
        computed_at=now,
    )
    unit = AssociationSnapshot.objects.create(
        municipality=world.municipality,
        unit=world.unit,
        model_version=reference,
        data={**DATA, "n_pairs": 4},
        computed_at=now,
    )
    return whole, unit


def test_anonymous_is_sent_to_login(client):
    r = client.get("/reports/associations/")
    assert r.status_code == HTTPStatus.FOUND
    assert "/login/" in r.url


def test_case_worker_may_not(client, caseworker, snapshots):
    client.force_login(caseworker)
    assert client.get("/reports/associations/").status_code == HTTPStatus.FORBIDDEN


def test_admin_sees_the_municipality_with_small_cells_suppressed(
    client, municipal_admin, snapshots
):
    client.force_login(municipal_admin)
    r = client.get("/reports/associations/")
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "Virksomhedspraktik" in body
    assert "+12,7 %" in body  # exp(0.12) - 1, as a change of the odds
    row = body[body.index("Misbrugsbehandling") :][:300]
    assert "&lt;5" in row  # 3 pairs
    assert "for få observationer" in row
    # the regression cell of "none" (3) and, so the total does not reveal it, the
    # next smallest cell (10) are suppressed
    none_row = body[body.index("Ingen indsats") :][:400]
    assert none_row.count("&lt;5") == 2
    assert "forbindelser, ikke beviser" in body or "ikke bevis" in body


def test_team_leader_sees_only_their_own_unit(client, team_leader, snapshots, world):
    client.force_login(team_leader)
    r = client.get("/reports/associations/")
    assert r.status_code == HTTPStatus.OK
    assert r.context["unit"] == world.unit
    assert not r.context["whole"]
    assert r.context["snapshot"] == snapshots[1]
    other = UnitFactory(municipality=world.municipality)
    assert (
        client.get(f"/reports/associations/?unit={other.pk}").status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        client.get("/reports/associations/?unit=x").status_code == HTTPStatus.NOT_FOUND
    )


def test_other_municipality_sees_nothing_of_ours(
    client, other_municipality_admin, snapshots, world
):
    client.force_login(other_municipality_admin)
    r = client.get("/reports/associations/")
    assert r.status_code == HTTPStatus.OK
    assert r.context["snapshot"] is None
    assert "Virksomhedspraktik" not in r.content.decode()
    assert (
        client.get(f"/reports/associations/?unit={world.unit.pk}").status_code
        == HTTPStatus.NOT_FOUND
    )


def test_analyst_sees_aggregates(client, analyst, snapshots):
    client.force_login(analyst)
    r = client.get("/reports/associations/")
    assert r.status_code == HTTPStatus.OK
    assert r.context["snapshot"] == snapshots[0]
    assert not r.context["can_compute"]


def test_admin_computes_again_as_a_job(
    client, municipal_admin, team_leader, world, django_capture_on_commit_callbacks
):
    client.force_login(team_leader)
    assert (
        client.post("/reports/associations/compute/").status_code
        == HTTPStatus.FORBIDDEN
    )
    client.force_login(municipal_admin)
    assert (
        client.get("/reports/associations/compute/").status_code
        == HTTPStatus.METHOD_NOT_ALLOWED
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/reports/associations/compute/")
    assert r.status_code == HTTPStatus.FOUND
    job = Job.objects.get(kind="scores.associations")
    assert (job.municipality, job.requested_by, job.state) == (
        world.municipality,
        municipal_admin,
        "done",
    )
    assert AssociationSnapshot.objects.filter(municipality=world.municipality).exists()


def test_a_small_unit_cell_cannot_be_recovered_from_the_others(
    client, municipal_admin, snapshots, world
):
    reference = ModelVersion.objects.get(municipality__isnull=True)
    other = UnitFactory(municipality=world.municipality, name="Jobcenter Syd")
    mixes = [dict(r) for r in DATA["by_mix"]]
    mixes[0] = {**mixes[0], "n": 3}  # a small cell in the first unit
    AssociationSnapshot.objects.filter(unit=world.unit).update(
        data={**DATA, "by_mix": mixes}
    )
    AssociationSnapshot.objects.create(
        municipality=world.municipality,
        unit=other,
        model_version=reference,
        data=DATA,  # 60 pairs without an intervention
        computed_at=timezone.now(),
    )
    client.force_login(municipal_admin)
    r = client.get(f"/reports/associations/?unit={other.pk}")
    assert r.status_code == HTTPStatus.OK
    # the municipality shows 63; "63 - 3" must not be readable off this unit's 60
    assert r.context["tables"]["mixes"][0]["n"] == "<5"

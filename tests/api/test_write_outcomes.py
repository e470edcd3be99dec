"""Outcomes posted by a register feed (SPEC section 6): through the same service and
rules as the page and the register import, idempotent by citizen, outcome and date,
a differing date of the same event a 409 naming the field, nothing written on any
refusal, and never another municipality's citizen."""

from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from bip.accounts.services import integration_create, token_issue
from bip.audit.models import AuditEvent
from bip.jobs.models import Job
from interventions.models import Outcome
from interventions.services import outcome_record
from tests.factories import CitizenFactory, TeamFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def secret_for(municipality, admin, *, writes=True):
    account = integration_create(
        municipality_id=municipality.pk,
        name="Registerfeed",
        writes=writes,
        unit=None,
        by=admin,
    )
    return token_issue(account=account, valid_days=30, by=admin)[1]


def post(client, body, secret=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return client.post(
        "/api/v1/outcomes/", body, content_type="application/json", **headers
    )


def state():
    """What a refused request must leave as it was."""
    return (
        list(Outcome.objects.order_by("pk").values_list("pk", "date", "source")),
        AuditEvent.objects.using("default").filter(action="outcome.create").count(),
        Job.objects.count(),
    )


def test_the_same_outcome_twice_is_one_outcome(client, world, municipal_admin, citizen):
    secret = secret_for(world.municipality, municipal_admin)
    body = {"cpr": citizen.cpr_clear(), "kind": "subsidised_job", "date": "2025-05-05"}
    first = post(client, body, secret)
    assert first.status_code == HTTPStatus.CREATED, first.content
    assert first.json()["citizen"] == citizen.pk
    assert first.json()["source"] == "import"
    jobs = Job.objects.count()
    again = post(client, body, secret)
    assert again.status_code == HTTPStatus.OK
    assert again.json() == first.json()
    assert Outcome.objects.filter(citizen=citizen).count() == 1
    assert (
        AuditEvent.objects.using("default").filter(action="outcome.create").count() == 1
    )
    # no second request of any job (a recompute) from the repeat
    assert Job.objects.count() == jobs
    # by id, the same
    by_id = post(
        client,
        {"citizen": citizen.pk, "kind": "subsidised_job", "date": "2025-05-05"},
        secret,
    )
    assert by_id.status_code == HTTPStatus.OK
    assert Outcome.objects.filter(citizen=citizen).count() == 1


def test_a_differing_date_of_the_same_event_is_409_and_writes_nothing(
    client, world, municipal_admin, citizen
):
    secret = secret_for(world.municipality, municipal_admin)
    body = {"citizen": citizen.pk, "kind": "subsidised_job", "date": "2025-05-05"}
    assert post(client, body, secret).status_code == HTTPStatus.CREATED
    before = state()
    r = post(client, {**body, "date": "2025-05-12"}, secret)
    assert r.status_code == HTTPStatus.CONFLICT
    assert "date" in r.json()
    assert r.json()["existing"]["date"] == "2025-05-05"
    assert state() == before
    # outside the 14 days: another event
    later = post(client, {**body, "date": "2025-07-01"}, secret)
    assert later.status_code == HTTPStatus.CREATED


def test_a_job_ends_the_enrolment_as_on_the_page(
    client, world, municipal_admin, citizen
):
    secret = secret_for(world.municipality, municipal_admin)
    r = post(
        client, {"citizen": citizen.pk, "kind": "job", "date": "2025-06-02"}, secret
    )
    assert r.status_code == HTTPStatus.CREATED
    enrolment = citizen.enrolments.get()
    assert enrolment.end == date(2025, 6, 2)
    assert enrolment.end_reason == "job"


def test_a_register_outcome_replaces_a_hand_entered_one(
    client, world, municipal_admin, citizen, caseworker
):
    manual, _ = outcome_record(
        citizen=citizen, kind="subsidised_job", day=date(2025, 5, 1), by=caseworker
    )
    secret = secret_for(world.municipality, municipal_admin)
    r = post(
        client,
        {"citizen": citizen.pk, "kind": "subsidised_job", "date": "2025-05-06"},
        secret,
    )
    assert r.status_code == HTTPStatus.OK
    manual.refresh_from_db()
    assert (manual.date, manual.source) == (date(2025, 5, 6), "import")
    assert Outcome.objects.count() == 1


def test_a_read_only_token_is_403_and_writes_nothing(
    client, world, municipal_admin, citizen
):
    secret = secret_for(world.municipality, municipal_admin, writes=False)
    before = state()
    r = post(
        client, {"citizen": citizen.pk, "kind": "job", "date": "2025-06-02"}, secret
    )
    assert r.status_code == HTTPStatus.FORBIDDEN
    assert state() == before


def test_another_municipalitys_citizen_is_404_and_nothing_is_written(
    client, world, municipal_admin, other_municipality_admin
):
    foreign = CitizenFactory(
        team=TeamFactory(unit__municipality=world.other_municipality)
    )
    secret = secret_for(world.municipality, municipal_admin)
    before = state()
    by_id = post(
        client, {"citizen": foreign.pk, "kind": "job", "date": "2025-06-02"}, secret
    )
    by_cpr = post(
        client,
        {"cpr": foreign.cpr_clear(), "kind": "job", "date": "2025-06-02"},
        secret,
    )
    missing = post(
        client, {"citizen": 99999999, "kind": "job", "date": "2025-06-02"}, secret
    )
    assert by_id.status_code == by_cpr.status_code == HTTPStatus.NOT_FOUND
    assert by_id.json() == missing.json()
    assert foreign.name not in by_cpr.content.decode()
    assert state() == before
    assert (
        AuditEvent.objects.filter(action="access.denied", object_type="citizen").count()
        == 3
    )


def test_a_case_worker_posts_for_their_own_caseload_only(
    client, world, caseworker, teammate, citizen, other_citizen
):
    """As on the page: a case worker writes for the citizens they are responsible
    for, not for a teammate's they may read, nor another team's."""
    teammates = CitizenFactory(team=world.team, caseworker=teammate)
    client.force_login(caseworker)
    own = post(
        client, {"citizen": citizen.pk, "kind": "education", "date": "2025-06-02"}
    )
    assert own.status_code == HTTPStatus.CREATED
    assert own.json()["source"] == "manual"
    before = state()
    for someone in (teammates, other_citizen):
        other = post(
            client, {"citizen": someone.pk, "kind": "job", "date": "2025-06-02"}
        )
        assert other.status_code == HTTPStatus.NOT_FOUND
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "job", "date": "2025-06-02"}, "citizen"),
        (
            {"citizen": 1, "cpr": "0101901234", "kind": "job", "date": "2025-06-02"},
            "citizen",
        ),
        ({"cpr": "31029x", "kind": "job", "date": "2025-06-02"}, "cpr"),
        ({"citizen": 1, "kind": "lottery", "date": "2025-06-02"}, "kind"),
        ({"citizen": 1, "kind": "job", "date": "02-06-2025"}, "date"),
        ({"citizen": 1, "kind": "job"}, "date"),
        ({"citizen": "one", "kind": "job", "date": "2025-06-02"}, "citizen"),
        ({"citizen": 2**64, "kind": "job", "date": "2025-06-02"}, "citizen"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    client, world, municipal_admin, citizen, body, field
):
    secret = secret_for(world.municipality, municipal_admin)
    before = state()
    r = post(client, body, secret)
    assert r.status_code == HTTPStatus.BAD_REQUEST, r.content
    assert field in r.json()
    assert state() == before


def test_a_date_in_the_future_is_refused_as_on_the_page(
    client, world, municipal_admin, citizen
):
    secret = secret_for(world.municipality, municipal_admin)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = state()
    r = post(client, {"citizen": citizen.pk, "kind": "job", "date": tomorrow}, secret)
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert "date" in r.json()
    assert state() == before


def test_malformed_bodies_are_never_a_500(client, world, municipal_admin):
    secret = secret_for(world.municipality, municipal_admin)
    for raw in ("{", "[]", "null", '"x"', '{"citizen": {"a": 1}}'):
        r = client.post(
            "/api/v1/outcomes/",
            raw,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert r.status_code == HTTPStatus.BAD_REQUEST, raw
        assert r.json()

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest

from citizens.models import Enrolment
from interventions.models import InterventionEpisode, InterventionType, Outcome
from interventions.services import catalogue_copy, outcome_record
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def type_id(code):
    return InterventionType.objects.get(municipality__isnull=True, code=code).pk


def post_episode(client, citizen, **overrides):
    data = {
        "type": type_id("company_internship"),
        "start": "2026-02-02",
        "end": "",
        "provider": "Bageriet",
        "hours_per_week": "20",
    }
    return client.post(f"/interventions/new/{citizen.pk}/", {**data, **overrides})


def test_the_catalogue_has_21_types_in_4_groups():
    types = InterventionType.objects.filter(municipality__isnull=True)
    assert types.count() == 21
    assert set(types.values_list("group", flat=True)) == {
        "job_directed",
        "upskilling",
        "social",
        "health",
    }
    assert types.get(code="job_rotation").valid_to == date(2026, 6, 30)


def test_case_worker_starts_an_open_ended_intervention(client, caseworker, citizen):
    client.force_login(caseworker)
    assert post_episode(client, citizen).status_code == HTTPStatus.FOUND
    e = InterventionEpisode.objects.get()
    assert (e.end, e.provider, str(e.hours_per_week)) == (None, "Bageriet", "20.0")
    page = client.get(f"/citizens/{citizen.pk}/").content.decode()
    assert "Virksomhedspraktik" in page
    assert "<svg" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"type": "", "start": "2026-03-01"}, "type"),
        ({"start": "2020-01-01"}, "start"),  # before the enrolment
        ({"hours_per_week": "99"}, "hours_per_week"),
    ],
)
def test_invalid_episodes_are_refused(client, caseworker, citizen, overrides, field):
    client.force_login(caseworker)
    r = post_episode(client, citizen, **overrides)
    assert r.status_code == HTTPStatus.OK
    assert field in r.context["form"].errors
    assert InterventionEpisode.objects.count() == 0


def test_type_no_longer_valid_on_the_start_date(client, caseworker, citizen):
    client.force_login(caseworker)
    r = post_episode(client, citizen, type=type_id("job_rotation"), start="2026-08-01")
    assert "type" in r.context["form"].errors
    assert (
        post_episode(
            client, citizen, type=type_id("job_rotation"), start="2026-01-10"
        ).status_code
        == HTTPStatus.FOUND
    )


def test_identical_overlapping_duplicate_is_refused(client, caseworker, citizen):
    client.force_login(caseworker)
    post_episode(client, citizen, start="2026-01-01", end="2026-03-31")
    r = post_episode(client, citizen, start="2026-03-01", end="2026-04-30")
    assert r.status_code == HTTPStatus.OK
    assert InterventionEpisode.objects.count() == 1
    # the same type after the first ended is fine, as is another type in parallel
    assert (
        post_episode(client, citizen, start="2026-04-01").status_code
        == HTTPStatus.FOUND
    )
    assert (
        post_episode(
            client, citizen, type=type_id("social_mentor"), start="2026-01-15"
        ).status_code
        == HTTPStatus.FOUND
    )


def test_end_an_episode_by_editing(client, caseworker, citizen):
    client.force_login(caseworker)
    post_episode(client, citizen)
    e = InterventionEpisode.objects.get()
    r = client.post(
        f"/interventions/{e.pk}/edit/",
        {
            "type": e.type_id,
            "start": "2026-02-02",
            "end": "2026-05-01",
            "provider": "Bageriet",
        },
    )
    assert r.status_code == HTTPStatus.FOUND
    e.refresh_from_db()
    assert e.end == date(2026, 5, 1)


def test_outsiders_cannot_add_or_edit(
    client, caseworker, teammate, other_municipality_admin, citizen
):
    client.force_login(caseworker)
    post_episode(client, citizen)
    e = InterventionEpisode.objects.get()
    for user in (teammate, other_municipality_admin):
        client.force_login(user)
        assert post_episode(client, citizen).status_code == HTTPStatus.NOT_FOUND
        assert (
            client.post(
                f"/interventions/{e.pk}/edit/",
                {"type": e.type_id, "start": "2026-02-02"},
            ).status_code
            == HTTPStatus.NOT_FOUND
        )
    assert InterventionEpisode.objects.count() == 1


def test_start_for_several_citizens_is_all_or_nothing(client, caseworker, world):
    a = CitizenFactory(team=world.team, caseworker=caseworker, name="A Borger")
    b = CitizenFactory(
        team=world.team,
        caseworker=caseworker,
        name="B Borger",
        enrolment_start=date(2026, 5, 1),
    )
    client.force_login(caseworker)
    data = {
        "type": type_id("job_search"),
        "start": "2026-03-01",
        "citizens": [a.pk, b.pk],
    }
    r = client.post("/interventions/start-many/", data)
    assert r.status_code == HTTPStatus.OK  # B's enrolment starts later
    assert "B Borger" in r.content.decode()
    assert InterventionEpisode.objects.count() == 0
    data["start"] = "2026-05-02"
    assert (
        client.post("/interventions/start-many/", data).status_code == HTTPStatus.FOUND
    )
    assert InterventionEpisode.objects.count() == 2


def test_municipality_copies_and_edits_its_catalogue(client, municipal_admin, world):
    client.force_login(municipal_admin)
    client.post("/interventions/catalogue/copy/")
    client.post("/interventions/catalogue/copy/")  # twice: copied once
    own = InterventionType.objects.filter(municipality=world.municipality)
    assert own.count() == 21
    t = own.get(code="company_centre")
    r = client.post(
        f"/interventions/catalogue/{t.pk}/",
        {
            "code": t.code,
            "group": t.group,
            "label_da": "Virksomhedscenter Nord",
            "label_en": t.label_en,
            "valid_from": "2010-01-01",
            "valid_to": "2026-12-31",
        },
    )
    assert r.status_code == HTTPStatus.FOUND
    t.refresh_from_db()
    assert (t.label_da, t.valid_to) == ("Virksomhedscenter Nord", date(2026, 12, 31))
    assert (
        InterventionType.objects.get(
            municipality__isnull=True, code="company_centre"
        ).label_da
        == "Virksomhedscenter"
    )


def test_outcome_job_ends_the_enrolment_and_dedups(client, caseworker, citizen):
    client.force_login(caseworker)
    r = client.post(
        f"/interventions/outcomes/new/{citizen.pk}/",
        {"kind": "job", "date": "2026-04-01"},
    )
    assert r.status_code == HTTPStatus.FOUND
    enrolment = Enrolment.objects.get(citizen=citizen)
    assert (enrolment.end, enrolment.end_reason) == (date(2026, 4, 1), "job")
    client.post(
        f"/interventions/outcomes/new/{citizen.pk}/",
        {"kind": "job", "date": "2026-04-10"},
    )
    assert Outcome.objects.count() == 1  # within 14 days: one event


def test_subsidised_job_does_not_end_the_enrolment(caseworker, citizen):
    outcome_record(
        citizen=citizen, kind="subsidised_job", day=date(2026, 4, 1), by=caseworker
    )
    assert Enrolment.objects.get(citizen=citizen).end is None


def test_imported_outcome_wins_over_a_manual_one(caseworker, citizen):
    outcome_record(
        citizen=citizen, kind="education", day=date(2026, 4, 1), by=caseworker
    )
    o, created = outcome_record(
        citizen=citizen,
        kind="education",
        day=date(2026, 4, 8),
        by=caseworker,
        source="import",
    )
    assert not created
    o.refresh_from_db()
    assert (o.source, o.date) == ("import", date(2026, 4, 8))
    assert Outcome.objects.count() == 1


def test_outcome_in_the_future_is_refused(client, caseworker, citizen):
    client.force_login(caseworker)
    r = client.post(
        f"/interventions/outcomes/new/{citizen.pk}/",
        {"kind": "job", "date": "2099-01-01"},
    )
    assert r.status_code == HTTPStatus.OK
    assert Outcome.objects.count() == 0


def test_catalogue_copy_helper_is_idempotent(municipal_admin, world):
    assert (
        catalogue_copy(municipality_id=world.municipality.pk, by=municipal_admin) == 21
    )
    assert (
        catalogue_copy(municipality_id=world.municipality.pk, by=municipal_admin) == 0
    )


def test_enrol_again_after_a_job_gives_a_new_spell(client, caseworker, citizen, world):
    from citizens.models import TargetGroup

    outcome_record(citizen=citizen, kind="job", day=date(2026, 4, 1), by=caseworker)
    client.force_login(caseworker)
    page = client.get(f"/citizens/{citizen.pk}/").content.decode()
    assert "Start ny måling" not in page  # no round schedule while not enrolled
    r = client.post(
        f"/citizens/{citizen.pk}/enrol/",
        {
            "team": world.team.pk,
            "caseworker": caseworker.pk,
            "start": "2026-03-01",
            "target_group": TargetGroup.objects.get(code="kontant_aktivitetsparat").pk,
        },
    )
    assert r.status_code == 200  # before the last spell ended: refused
    r = client.post(
        f"/citizens/{citizen.pk}/enrol/",
        {
            "team": world.team.pk,
            "caseworker": caseworker.pk,
            "start": "2026-06-01",
            "target_group": TargetGroup.objects.get(code="kontant_aktivitetsparat").pk,
        },
    )
    assert r.status_code == 302
    assert Enrolment.objects.filter(citizen=citizen).count() == 2
    assert Enrolment.objects.filter(
        citizen=citizen, end__isnull=True
    ).get().start == date(2026, 6, 1)

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from bip.audit.models import AuditEvent
from citizens.models import Assignment, Citizen, Enrolment, TargetGroup

pytestmark = pytest.mark.django_db


def create_payload(world, caseworker, **overrides):
    data = {
        "cpr_number": "070761-4285",
        "name": "Jens  Jensen",
        "team": world.team.pk,
        "caseworker": caseworker.pk,
        "target_group": TargetGroup.objects.get(code="kontant_aktivitetsparat").pk,
        "enrolment_start": "2026-01-05",
        "preferred_language": "da",
    }
    return {**data, **overrides}


def test_case_worker_creates_a_citizen(client, caseworker, world):
    client.force_login(caseworker)
    r = client.post("/citizens/new/", create_payload(world, caseworker))
    assert r.status_code == HTTPStatus.FOUND
    citizen = Citizen.objects.get()
    assert citizen.name == "Jens Jensen"
    assert citizen.cpr_masked == "070761-XXXX"
    assert "0707614285" not in citizen.cpr_ciphertext
    assert Enrolment.objects.get(citizen=citizen).team == world.team
    assert Assignment.objects.get().caseworker == caseworker
    assert AuditEvent.objects.using("default").filter(action="citizen.create").exists()


def test_missing_check_digit_saves_with_a_warning(client, caseworker, world):
    client.force_login(caseworker)
    r = client.post(
        "/citizens/new/",
        create_payload(world, caseworker, cpr_number="0101651234"),
        follow=True,
    )
    assert r.status_code == HTTPStatus.OK
    assert Citizen.objects.count() == 1
    assert "Kontrolcifferet passer ikke" in r.content.decode()


def test_duplicate_cpr_in_the_municipality_is_refused(client, caseworker, world):
    client.force_login(caseworker)
    client.post("/citizens/new/", create_payload(world, caseworker))
    r = client.post(
        "/citizens/new/", create_payload(world, caseworker, cpr_number="0707614285")
    )
    assert r.status_code == HTTPStatus.OK
    assert "allerede en borger" in r.content.decode()
    assert Citizen.objects.count() == 1


def test_same_cpr_in_another_municipality_is_allowed_and_not_revealed(
    client, caseworker, world, other_municipality_admin
):
    from tests.factories import CitizenFactory, TeamFactory

    CitizenFactory(
        team=TeamFactory(unit__municipality=world.other_municipality), cpr="0707614285"
    )
    client.force_login(caseworker)
    # a number known nowhere gives the messages and page to compare with
    fresh = client.post(
        "/citizens/new/",
        create_payload(world, caseworker, cpr_number="0808624281", name="Ida Holm"),
        follow=True,
    )
    known = client.post(
        "/citizens/new/", create_payload(world, caseworker), follow=True
    )
    assert known.redirect_chain[0][1] == HTTPStatus.FOUND
    assert Citizen.objects.filter(municipality=world.municipality).count() == 2
    assert [str(m) for m in known.context["messages"]] == [
        str(m) for m in fresh.context["messages"]
    ]
    body = known.content.decode()
    assert world.other_municipality.name not in body
    alerts = re.compile(r'class="alert[^"]*"[^>]*>(.*?)</', re.DOTALL)
    assert alerts.findall(body) == alerts.findall(fresh.content.decode())
    assert not AuditEvent.objects.filter(
        municipality_id=world.other_municipality.pk
    ).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("cpr_number", "320190-1234"), ("enrolment_start", "2099-01-01"), ("name", "")],
)
def test_bad_input_gives_a_form_error_and_writes_nothing(
    client, caseworker, world, field, value
):
    client.force_login(caseworker)
    r = client.post(
        "/citizens/new/", create_payload(world, caseworker, **{field: value})
    )
    assert r.status_code == HTTPStatus.OK
    assert r.context["form"].errors[field]
    assert Citizen.objects.count() == 0


def test_team_outside_the_users_teams_is_refused(client, caseworker, world):
    client.force_login(caseworker)
    r = client.post(
        "/citizens/new/", create_payload(world, caseworker, team=world.other_team.pk)
    )
    assert r.context["form"].errors["team"]
    assert Citizen.objects.count() == 0


def test_cpr_correction_rehashes_and_is_logged(client, caseworker, citizen):
    old_hash = citizen.cpr_hmac
    client.force_login(caseworker)
    r = client.post(
        f"/citizens/{citizen.pk}/edit/",
        {
            "cpr_number": "070761-4285",
            "name": citizen.name,
            "preferred_language": "da",
        },
    )
    assert r.status_code == HTTPStatus.FOUND
    citizen.refresh_from_db()
    assert citizen.cpr_hmac != old_hash
    assert citizen.cpr_clear() == "070761-4285"
    assert (
        AuditEvent.objects.using("default")
        .filter(action="citizen.cpr_correct")
        .exists()
    )


def test_change_of_case_worker_keeps_history(client, caseworker, teammate, citizen):
    client.force_login(caseworker)
    r = client.post(
        f"/citizens/{citizen.pk}/assign/",
        {
            "team": citizen.team_id,
            "caseworker": teammate.pk,
            "start": "2026-03-01",
        },
    )
    assert r.status_code == HTTPStatus.FOUND
    citizen.refresh_from_db()
    assert citizen.caseworker == teammate
    history = list(
        Assignment.objects.filter(enrolment__citizen=citizen).order_by("start")
    )
    assert [a.caseworker for a in history] == [caseworker, teammate]
    assert history[0].end.isoformat() == "2026-03-01"


def test_teammate_cannot_edit_another_case_workers_citizen(client, teammate, citizen):
    client.force_login(teammate)
    assert client.get(f"/citizens/{citizen.pk}/").status_code == HTTPStatus.OK
    assert (
        client.get(f"/citizens/{citizen.pk}/edit/").status_code == HTTPStatus.NOT_FOUND
    )
    r = client.post(
        f"/citizens/{citizen.pk}/assign/",
        {"team": citizen.team_id, "caseworker": teammate.pk, "start": "2026-03-01"},
    )
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert Assignment.objects.filter(enrolment__citizen=citizen).count() == 1


def test_search_by_cpr_finds_only_in_scope_and_logs_masked(
    client, caseworker, other_team_caseworker, citizen
):
    digits = citizen.cpr_clear().replace("-", "")
    client.force_login(other_team_caseworker)
    r = client.post("/citizens/search/", {"q": digits})
    assert citizen.name not in r.content.decode()
    client.force_login(caseworker)
    r = client.post("/citizens/search/", {"q": digits})
    assert citizen.name in r.content.decode()
    assert digits not in r.content.decode()
    event = AuditEvent.objects.filter(
        action="citizen.search", actor_id=caseworker.pk
    ).get()
    assert event.criterion_masked == f"{digits[:6]}-XXXX"


def test_search_by_name_folds_danish_letters(client, caseworker, citizen):
    client.force_login(caseworker)
    r = client.post("/citizens/search/", {"q": "oestergaard"})
    assert citizen.name in r.content.decode()
    r = client.post("/citizens/search/", {"q": "Østergård"})
    assert citizen.name in r.content.decode()


def test_citizen_page_view_is_logged(client, caseworker, citizen):
    client.force_login(caseworker)
    client.get(f"/citizens/{citizen.pk}/")
    assert AuditEvent.objects.filter(
        action="citizen.view", object_id=str(citizen.pk)
    ).exists()

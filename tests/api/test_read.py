"""The read endpoints of /api/v1/ (SPEC section 6): the same scoping as the pages for
tokens and sessions, every read of personal data audited, the filters, cursor
pagination capped at 1,000, and an incremental sync that returns each change once."""

from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.utils import timezone

from bip.accounts.services import integration_create, token_issue
from bip.audit.models import AuditEvent, AuditEventCitizen
from interventions.models import InterventionType, Outcome
from interventions.services import episode_create, outcome_record
from measurements.models import ModelVersion
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory
from tests.measurements.helpers import make_round, run_scores

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

PERSONAL = ("enrolments", "assignments", "rounds", "scores", "episodes", "outcomes")


def token_for(municipality, admin, *, writes=False, unit=None):
    account = integration_create(
        municipality_id=municipality.pk,
        name="Fagsystem",
        writes=writes,
        unit=unit,
        by=admin,
    )
    return token_issue(account=account, valid_days=30, by=admin)[1]


def get(client, url, secret=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return client.get(url, params, **headers)


def every_row(client, path, secret=None, **params):
    """All rows of a list, following the cursor's `next` links."""
    rows, url = [], f"/api/v1/{path}/"
    response = get(client, url, secret, **params)
    while True:
        assert response.status_code == HTTPStatus.OK, response.content
        body = response.json()
        rows.extend(body["results"])
        if not body["next"]:
            return rows
        response = get(client, body["next"], secret)


def ids(rows, key="id"):
    return {row[key] for row in rows}


def citizen_ids(rows):
    return ids(rows, "citizen")


def populate(citizen, by):
    """A round with answers, its score, an episode and an outcome for a citizen."""
    rnd = make_round(citizen, date(2025, 3, 3))
    own = InterventionType.objects.filter(municipality__isnull=True).first()
    episode_create(citizen=citizen, type=own, start=date(2025, 2, 1), end=None, by=by)
    outcome_record(citizen=citizen, kind="subsidised_job", day=date(2025, 4, 1), by=by)
    return rnd


@pytest.fixture
def two_municipalities(
    world, citizen, caseworker, other_citizen, other_team_caseworker
):
    foreign_cw = UserFactory(username="foreign_cw")
    foreign_team = TeamFactory(unit__municipality=world.other_municipality)
    MembershipFactory(
        user=foreign_cw,
        role="caseworker",
        team=foreign_team,
        municipality=world.other_municipality,
        valid_from=date(2020, 1, 1),
    )
    foreign = CitizenFactory(team=foreign_team, caseworker=foreign_cw)
    populate(citizen, caseworker)
    populate(other_citizen, other_team_caseworker)
    populate(foreign, foreign_cw)
    run_scores(world.municipality)
    run_scores(world.other_municipality)
    return foreign


def test_a_token_reads_its_municipality_only(
    client, world, municipal_admin, citizen, other_citizen, two_municipalities
):
    foreign = two_municipalities
    secret = token_for(world.municipality, municipal_admin)
    for path in PERSONAL:
        rows = every_row(client, path, secret)
        assert citizen_ids(rows) == {citizen.pk, other_citizen.pk}, path
    # the foreign citizen's rows, by id: 404, the same as an id that does not exist
    foreign_secret = token_for(world.other_municipality, municipal_admin)
    for path in PERSONAL:
        theirs = every_row(client, path, foreign_secret)
        assert citizen_ids(theirs) == {foreign.pk}, path
        for row in theirs:
            r = get(client, f"/api/v1/{path}/{row['id']}/", secret)
            assert r.status_code == HTTPStatus.NOT_FOUND, path
            assert foreign.name not in r.content.decode()
            assert r.json() == get(client, f"/api/v1/{path}/99999999/", secret).json()
        mine = every_row(client, path, secret)
        assert get(client, f"/api/v1/{path}/{mine[0]['id']}/", secret).status_code == (
            HTTPStatus.OK
        )


def test_a_case_workers_session_sees_only_their_teams(
    client, caseworker, citizen, other_citizen, two_municipalities
):
    client.force_login(caseworker)
    for path in PERSONAL:
        rows = every_row(client, path)
        assert citizen_ids(rows) == {citizen.pk}, path
    other_round = other_citizen.enrolments.get().rounds.get()
    r = client.get(f"/api/v1/rounds/{other_round.pk}/")
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert AuditEvent.objects.filter(
        actor_id=caseworker.pk,
        action="access.denied",
        object_type="round",
        object_id=str(other_round.pk),
    ).exists()


def test_an_analyst_gets_403_and_an_admin_reads_the_models(
    client, analyst, citizen, municipal_admin, caseworker, world
):
    ModelVersion.objects.create(
        municipality=world.municipality,
        kind="local",
        coefficients={"const": -3.0},
        estimates={"const": {"estimate": -3.0, "se": 0.5}},
    )
    client.force_login(analyst)
    for path in PERSONAL:
        assert client.get(f"/api/v1/{path}/").status_code == HTTPStatus.FORBIDDEN
    assert AuditEvent.objects.filter(
        actor_id=analyst.pk, action="access.denied", object_type="page"
    ).count() == len(PERSONAL)
    # the model versions as the model pages: the admin's, and an integration's
    assert client.get("/api/v1/model-versions/").status_code == HTTPStatus.FORBIDDEN
    client.force_login(caseworker)
    assert client.get("/api/v1/model-versions/").status_code == HTTPStatus.FORBIDDEN
    secret = token_for(world.municipality, municipal_admin)
    assert get(client, "/api/v1/model-versions/", secret).status_code == HTTPStatus.OK
    client.force_login(municipal_admin)
    rows = every_row(client, "model-versions")
    local = [r for r in rows if r["municipality"] == world.municipality.pk]
    assert len(local) == 1
    interval = local[0]["intervals"]["const"]
    assert interval["lower"] == pytest.approx(-3.0 - 1.959964 * 0.5)
    assert interval["upper"] == pytest.approx(-3.0 + 1.959964 * 0.5)


def test_another_municipalitys_model_is_404(
    client, other_municipality_admin, municipal_admin, world
):
    theirs = ModelVersion.objects.create(
        municipality=world.other_municipality, kind="local", coefficients={}
    )
    secret = token_for(world.municipality, municipal_admin)
    r = get(client, f"/api/v1/model-versions/{theirs.pk}/", secret)
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert theirs.pk not in ids(every_row(client, "model-versions", secret))


def test_a_round_carries_its_answers_per_respondent_and_instrument_version(
    client, caseworker, citizen
):
    rnd = make_round(citizen, date(2025, 3, 3), cw=4, cit=2)
    client.force_login(caseworker)
    body = client.get(f"/api/v1/rounds/{rnd.pk}/").json()
    assert body["instrument_version"]["id"] == rnd.instrument_version_id
    assert body["instrument_version"]["number"] == rnd.instrument_version.number
    by_respondent = {r["respondent"]: r for r in body["responses"]}
    assert set(by_respondent) == {"caseworker", "citizen"}
    assert {a["value"] for a in by_respondent["caseworker"]["answers"]} == {4}
    assert {a["value"] for a in by_respondent["citizen"]["answers"]} == {2}
    assert all(a["question"] for a in by_respondent["citizen"]["answers"])


def test_a_score_names_its_model_version_class_and_what_moved_it(
    client, caseworker, citizen, world
):
    make_round(citizen, date(2025, 1, 6), cw=2, cit=2)
    make_round(citizen, date(2025, 4, 7), cw=4, cit=4)
    run_scores(world.municipality)
    client.force_login(caseworker)
    rows = every_row(client, "scores")
    assert len(rows) == 2
    latest = max(rows, key=lambda r: r["id"])
    assert latest["model_version"] is not None
    assert latest["progression_class"] == "progress"
    assert latest["contributions"]
    assert latest["current"] is True
    assert 0 < latest["hazard_q"] < 1


def test_reads_are_audited_with_the_citizens_read(
    client, world, municipal_admin, citizen, other_citizen, caseworker
):
    rnd = make_round(citizen, date(2025, 3, 3))
    make_round(other_citizen, date(2025, 3, 3))
    secret = token_for(world.municipality, municipal_admin)
    get(client, "/api/v1/rounds/", secret)
    event = AuditEvent.objects.get(action="round.list")
    assert event.actor_label.startswith("Fagsystem") or "Fagsystem" in event.actor_label
    assert set(
        AuditEventCitizen.objects.filter(event_id=event.pk).values_list(
            "citizen_id", flat=True
        )
    ) == {citizen.pk, other_citizen.pk}
    get(client, f"/api/v1/rounds/{rnd.pk}/", secret)
    event = AuditEvent.objects.get(action="round.view")
    assert event.object_id == str(rnd.pk)
    assert list(
        AuditEventCitizen.objects.filter(event_id=event.pk).values_list(
            "citizen_id", flat=True
        )
    ) == [citizen.pk]
    for path, action in (
        ("enrolments", "enrolment.list"),
        ("assignments", "assignment.list"),
        ("scores", "score.list"),
        ("episodes", "episode.list"),
        ("outcomes", "outcome.list"),
    ):
        get(client, f"/api/v1/{path}/", secret)
        assert AuditEvent.objects.filter(action=action).count() == 1, path


def test_filters_by_team_unit_and_date(
    client, world, municipal_admin, citizen, other_citizen, caseworker
):
    make_round(citizen, date(2025, 3, 3))
    make_round(other_citizen, date(2025, 6, 2))
    secret = token_for(world.municipality, municipal_admin)
    by_team = every_row(client, "rounds", secret, team=world.team.pk)
    assert citizen_ids(by_team) == {citizen.pk}
    by_unit = every_row(client, "rounds", secret, unit=world.unit.pk)
    assert citizen_ids(by_unit) == {citizen.pk, other_citizen.pk}
    in_june = every_row(
        client, "rounds", secret, date_from="2025-05-01", date_to="2025-06-30"
    )
    assert citizen_ids(in_june) == {other_citizen.pk}
    up_to_april = every_row(client, "rounds", secret, date_to="2025-04-30")
    assert citizen_ids(up_to_april) == {citizen.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"team": "x"}, "team"),
        ({"unit": str(2**70)}, "unit"),
        ({"date_from": "2025-13-01"}, "date_from"),
        ({"date_from": "2025-05-01", "date_to": "2025-04-01"}, "date_to"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(
    client, world, municipal_admin, citizen, params, field
):
    secret = token_for(world.municipality, municipal_admin)
    before = AuditEvent.objects.filter(action="round.list").count()
    r = get(client, "/api/v1/rounds/", secret, **params)
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert field in r.json()
    assert AuditEvent.objects.filter(action="round.list").count() == before


def test_pages_are_capped_at_1000(client, world, municipal_admin, citizen):
    Outcome.objects.bulk_create(
        Outcome(
            citizen=citizen,
            municipality=world.municipality,
            kind="back_on_benefit",
            date=date(2020, 1, 1) + timedelta(days=20 * i),
        )
        for i in range(1001)
    )
    secret = token_for(world.municipality, municipal_admin)
    body = get(client, "/api/v1/outcomes/", secret, page_size=5000).json()
    assert len(body["results"]) == 1000
    assert body["next"]
    rest = get(client, body["next"], secret).json()
    assert len(rest["results"]) == 1
    assert not ids(rest["results"]) & ids(body["results"])


def test_updated_since_returns_each_change_between_two_polls_once(
    client, world, municipal_admin, citizen, other_citizen, caseworker
):
    """An integration polls, things change, it polls again from the largest
    `updated_at` it read: exactly the changed rows come back, each once, across
    pages of one row."""
    secret = token_for(world.municipality, municipal_admin)
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    with time_machine.travel(start, tick=True):
        first = make_round(citizen, date(2025, 3, 3))
        second = make_round(other_citizen, date(2025, 3, 3))
        outcome_record(
            citizen=citizen, kind="subsidised_job", day=date(2025, 4, 1), by=caseworker
        )
    rounds = every_row(client, "rounds", secret, page_size=1)
    outcomes = every_row(client, "outcomes", secret, page_size=1)
    assert ids(rounds) == {first.pk, second.pk}
    mark_rounds = max(r["updated_at"] for r in rounds)
    mark_outcomes = max(r["updated_at"] for r in outcomes)

    with time_machine.travel(start + timedelta(hours=1), tick=True):
        second.save()  # a change, as a correction or the citizen's part makes
        third = make_round(citizen, date(2025, 6, 2))
        new_outcome, _ = outcome_record(
            citizen=other_citizen, kind="job", day=date(2025, 7, 1), by=caseworker
        )

    changed = every_row(
        client, "rounds", secret, page_size=1, updated_since=mark_rounds
    )
    assert [r["id"] for r in changed] == [second.pk, third.pk]
    changed_outcomes = every_row(
        client, "outcomes", secret, page_size=1, updated_since=mark_outcomes
    )
    assert [r["id"] for r in changed_outcomes] == [new_outcome.pk]
    # and nothing more once caught up
    mark = max(r["updated_at"] for r in changed)
    assert every_row(client, "rounds", secret, updated_since=mark) == []


def test_superseded_scores_come_back_in_the_next_sync(
    client, world, municipal_admin, citizen
):
    rnd = make_round(citizen, date(2025, 3, 3))
    run_scores(world.municipality)
    secret = token_for(world.municipality, municipal_admin)
    scores = every_row(client, "scores", secret)
    assert len(scores) == 1
    mark = scores[0]["updated_at"]
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=True):
        answer = rnd.responses.get(respondent="caseworker").answers.first()
        answer.value = 5 if answer.value != 5 else 1
        answer.save()
        run_scores(world.municipality)
    changed = every_row(client, "scores", secret, updated_since=mark)
    by_current = {row["current"]: row for row in changed}
    assert set(by_current) == {True, False}
    assert by_current[False]["id"] == scores[0]["id"]
    assert by_current[False]["superseded_at"]


def test_anonymous_is_401(client, citizen):
    for path in PERSONAL:
        assert client.get(f"/api/v1/{path}/").status_code == HTTPStatus.UNAUTHORIZED


def test_citizens_sync_by_updated_since_with_cursor_pages(
    client, world, municipal_admin, citizen, other_citizen, caseworker
):
    """The citizens list pages by cursor in the order of changes: a renamed citizen
    and a new one come back on the next poll, each once; the unit token reads only
    its unit's."""
    secret = token_for(world.municipality, municipal_admin)
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    with time_machine.travel(start, tick=True):
        citizen.save()
        other_citizen.save()
    rows = every_row(client, "citizens", secret, page_size=1)
    assert ids(rows) == {citizen.pk, other_citizen.pk}
    assert len(rows) == 2
    assert {"updated_at", "cpr_masked"} <= set(rows[0])
    mark = max(r["updated_at"] for r in rows)
    with time_machine.travel(start + timedelta(hours=1), tick=True):
        citizen.name = "Anna Nyt Navn"
        citizen.save()
        newcomer = CitizenFactory(team=world.team, caseworker=caseworker)
    changed = every_row(client, "citizens", secret, page_size=1, updated_since=mark)
    assert [r["id"] for r in changed] == [citizen.pk, newcomer.pk]
    assert changed[0]["name"] == "Anna Nyt Navn"
    assert (
        every_row(
            client,
            "citizens",
            secret,
            updated_since=max(r["updated_at"] for r in changed),
        )
        == []
    )
    events = list(
        AuditEvent.objects.filter(action="citizen.list").values_list("pk", flat=True)
    )
    listed = AuditEventCitizen.objects.filter(event_id__in=events)
    assert set(listed.values_list("citizen_id", flat=True)) == {
        citizen.pk,
        other_citizen.pk,
        newcomer.pk,
    }
    other_team = every_row(client, "citizens", secret, team=world.other_team.pk)
    assert ids(other_team) == {other_citizen.pk}

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from bip.audit.models import AuditEvent
from measurements import services
from measurements.instrument import instrument_copy, instrument_publish
from measurements.models import (
    Answer,
    CitizenLink,
    InstrumentVersion,
    Respondent,
    Response,
    Round,
)
from measurements.services import instrument_current, link_create, round_start
from tests.factories import CitizenFactory
from tests.measurements.helpers import answers_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def rnd(citizen, caseworker):
    return round_start(citizen=citizen, by=caseworker)


@pytest.fixture
def token(rnd, caseworker):
    return link_create(rnd=rnd, by=caseworker)[1]


def submit(client, token, rnd, **extra):
    return client.post(
        f"/b/{token}/",
        {**answers_for(rnd, Respondent.CITIZEN, "3"), "action": "submit", **extra},
    )


def test_case_worker_makes_a_link_and_sees_it_once_with_a_qr_code(
    client, caseworker, rnd
):
    client.force_login(caseworker)
    r = client.post(f"/rounds/{rnd.pk}/link/", follow=True)
    body = r.content.decode()
    assert "/b/" in body
    assert "data:image/svg+xml;base64," in body
    again = client.get(f"/rounds/{rnd.pk}/").content.decode()
    assert "/b/" not in again  # shown once: only the hash is stored
    link = CitizenLink.objects.get()
    assert link.expires_at > timezone.now() + timedelta(days=13)


def test_citizen_opens_and_submits_without_login(client, rnd, token):
    r = client.get(f"/b/{token}/")
    assert r.status_code == HTTPStatus.OK
    assert r["Referrer-Policy"] == "no-referrer"
    assert "no-store" in r["Cache-Control"]
    assert "Hvor godt kender du de job" in r.content.decode()
    r = submit(client, token, rnd)
    assert r.status_code == HTTPStatus.OK
    assert "Tak for dine svar" in r.content.decode()
    response = Response.objects.get(round=rnd, respondent=Respondent.CITIZEN)
    assert (response.state, response.channel) == ("submitted", "link")
    assert Answer.objects.filter(response=response).count() == 9
    actions = set(
        AuditEvent.objects.using("default").values_list("action", flat=True)
    ) | set(AuditEvent.objects.values_list("action", flat=True))
    assert {"link.open", "link.submit"} <= actions
    assert not AuditEvent.objects.filter(criterion_masked__contains=token).exists()


def test_english_switch(client, rnd, token):
    r = client.get(f"/b/{token}/?lang=en")
    body = r.content.decode()
    assert '<html lang="en">' in body
    assert "How well do you know the jobs you could apply for?" in body


def test_draft_then_submit_later(client, rnd, token):
    r = client.post(
        f"/b/{token}/", {**answers_for(rnd, Respondent.CITIZEN, "2"), "action": "save"}
    )
    assert r.status_code == HTTPStatus.OK
    assert Response.objects.get(round=rnd, respondent="citizen").state == "draft"
    assert submit(client, token, rnd).status_code == HTTPStatus.OK


def test_used_link_gets_a_clear_page_and_writes_nothing(client, rnd, token):
    submit(client, token, rnd)
    before = Answer.objects.count()
    r = submit(client, token, rnd)
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert "Linket virker ikke" in r.content.decode()
    assert (
        "Linket er allerede brugt, er udløbet, eller en del af det mangler. "
        "Der er ikke gemt noget." in r.content.decode()
    )
    assert Answer.objects.count() == before


def test_expired_link(client, rnd, token):
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert client.get(f"/b/{token}/").status_code == HTTPStatus.NOT_FOUND
        assert submit(client, token, rnd).status_code == HTTPStatus.NOT_FOUND
    assert Answer.objects.count() == 0


def test_forged_token(client, rnd, token):
    assert client.get(f"/b/{token[:-2]}xx/").status_code == HTTPStatus.NOT_FOUND
    assert submit(client, "not-a-real-token", rnd).status_code == HTTPStatus.NOT_FOUND
    assert Answer.objects.count() == 0


@pytest.fixture
def other_round(caseworker, municipal_admin, world):
    """Another citizen's open round with a live link, under the municipality's own
    published version, so its questions have ids of their own; its link is made
    first, so a look-up that ignored the token would find it."""
    version = instrument_copy(
        source=instrument_current(municipality_id=world.municipality.pk),
        municipality_id=world.municipality.pk,
        by=municipal_admin,
    )
    instrument_publish(version=version, by=municipal_admin, note="local")
    other = CitizenFactory(team=world.team, caseworker=caseworker)
    other_round = round_start(citizen=other, by=caseworker)
    assert other_round.instrument_version == version
    link_create(rnd=other_round, by=caseworker)
    return other_round


def test_a_link_only_writes_its_own_round(client, caseworker, world, other_round):
    # the link's own round is started after the other one, under the shipped version
    rnd = Round.objects.create(
        enrolment=CitizenFactory(
            team=world.team, caseworker=caseworker
        ).enrolments.get(),
        municipality=other_round.municipality,
        instrument_version=InstrumentVersion.objects.get(municipality__isnull=True),
        round_date=other_round.round_date,
        created_by=caseworker,
    )
    for respondent in (Respondent.CASEWORKER, Respondent.CITIZEN):
        Response.objects.create(round=rnd, respondent=respondent)
    token = link_create(rnd=rnd, by=caseworker)[1]
    assert set(answers_for(rnd, Respondent.CITIZEN)).isdisjoint(
        answers_for(other_round, Respondent.CITIZEN)
    )
    # the post also names the other round's questions
    r = client.post(
        f"/b/{token}/",
        {
            **answers_for(other_round, Respondent.CITIZEN, "1"),
            **answers_for(rnd, Respondent.CITIZEN, "3"),
            "action": "submit",
        },
    )
    assert r.status_code == HTTPStatus.OK
    other_part = other_round.responses.get(respondent=Respondent.CITIZEN)
    assert other_part.state == Response.State.DRAFT
    assert other_part.answers.count() == 0
    assert other_round.links.get().submitted_at is None
    own = rnd.responses.get(respondent=Respondent.CITIZEN)
    assert own.state == Response.State.SUBMITTED
    assert set(own.answers.values_list("value", flat=True)) == {3}
    assert own.answers.count() == 9


def test_the_service_refuses_another_rounds_questions(rnd, token, other_round):
    link = CitizenLink.objects.get(round=rnd)
    foreign = next(iter(services.questions(other_round.instrument_version, "citizen")))
    with pytest.raises(ValidationError):
        services.link_save(link=link, answers={foreign.pk: (2, "")}, final=False)
    assert Answer.objects.count() == 0


def test_new_link_revokes_the_old(client, caseworker, rnd, token):
    _, new_token = link_create(rnd=rnd, by=caseworker)
    assert client.get(f"/b/{token}/").status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"/b/{new_token}/").status_code == HTTPStatus.OK


def test_second_tab_cannot_submit_again(client, rnd, token):
    assert submit(client, token, rnd).status_code == HTTPStatus.OK
    assert submit(client, token, rnd).status_code == HTTPStatus.NOT_FOUND
    assert Response.objects.get(round=rnd, respondent="citizen").answers.count() == 9


def test_incomplete_submit_is_refused_and_the_link_still_works(client, rnd, token):
    data = answers_for(rnd, Respondent.CITIZEN, "3")
    data.pop(next(iter(data)))
    r = client.post(f"/b/{token}/", {**data, "action": "submit"})
    assert r.status_code == HTTPStatus.OK
    assert "Svar på alle spørgsmål" in r.content.decode()
    assert CitizenLink.objects.get().submitted_at is None
    assert submit(client, token, rnd).status_code == HTTPStatus.OK


def test_rate_limited_per_token_not_per_address(client, rnd, token, caseworker):
    for n in range(30):  # the limit: 30 per link per 10 minutes
        r = client.get(f"/b/{token}/", REMOTE_ADDR=f"10.0.0.{n}")
        assert r.status_code == HTTPStatus.OK
    r = client.get(f"/b/{token}/", REMOTE_ADDR="10.0.0.99")
    assert r.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "for mange forsøg med dette link" in r.content.decode()  # Danish first
    assert "no-store" in r["Cache-Control"]
    assert submit(client, token, rnd).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not Answer.objects.filter(response__round=rnd).exists()  # nothing saved
    # another citizen's link, from the same address, is not affected
    other = round_start(
        citizen=CitizenFactory(team=rnd.enrolment.team, caseworker=caseworker),
        by=caseworker,
    )
    other_token = link_create(rnd=other, by=caseworker)[1]
    r = client.get(f"/b/{other_token}/", REMOTE_ADDR="10.0.0.99")
    assert r.status_code == HTTPStatus.OK


def test_english_rate_limit_page(client, token):
    for _ in range(30):
        client.get(f"/b/{token}/")
    r = client.get(f"/b/{token}/?lang=en")
    assert r.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "too many attempts with this link" in r.content.decode()


def test_unreachable_cache_lets_the_citizen_answer_and_is_logged(
    client, rnd, token, settings, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert client.get(f"/b/{token}/").status_code == HTTPStatus.OK
    assert submit(client, token, rnd).status_code == HTTPStatus.OK
    assert CitizenLink.objects.get().submitted_at is not None
    assert "rate limit skipped, cache unreachable" in caplog.text
    assert token not in caplog.text


def test_other_cache_errors_are_not_swallowed(client, token):
    from unittest import mock

    from django.core.cache import caches

    with (
        mock.patch.object(caches["default"], "add", side_effect=ValueError("bad")),
        pytest.raises(ValueError, match="bad"),
    ):
        client.get(f"/b/{token}/")


def test_link_needs_write_access(client, teammate, rnd):
    client.force_login(teammate)
    assert client.post(f"/rounds/{rnd.pk}/link/").status_code == HTTPStatus.NOT_FOUND
    assert CitizenLink.objects.count() == 0

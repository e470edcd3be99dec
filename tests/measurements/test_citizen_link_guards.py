"""The citizen link's services on their own: the claim holds when the link changed
after the page resolved it (another tab, a new link, expiry), what each save writes to
the round and the audit log, and the rate limit's window. Written from the surviving
mutants of `make mutation` (docs/testing.md)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from bip.audit.models import AuditEvent, AuditEventCitizen, Purpose
from bip.exceptions import ApplicationError
from bip.jobs.models import Job
from measurements import services
from measurements.models import Answer, CitizenLink, Respondent, Response, Round
from measurements.services import link_create, link_resolve, link_save, round_start
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db
MAX_PAGE_QUERIES = (
    6  # the link with its round, citizen and version; answers; the open mark
)


@pytest.fixture
def rnd(citizen, caseworker):
    return round_start(citizen=citizen, by=caseworker)


@pytest.fixture
def made(rnd, caseworker):
    return link_create(rnd=rnd, by=caseworker)


def citizen_answers(rnd, value=3):
    return {
        q.pk: (value, "") for q in services.questions(rnd.instrument_version, "citizen")
    }


def complete_caseworker_part(rnd, caseworker):
    services.round_save(
        rnd=rnd,
        by=caseworker,
        lock_version=rnd.lock_version,
        answers={
            Respondent.CASEWORKER: {
                q.pk: (4, "")
                for q in services.questions(rnd.instrument_version, "caseworker")
            }
        },
        submit=(Respondent.CASEWORKER,),
    )
    rnd.refresh_from_db()
    assert rnd.state == Round.State.COMPLETE
    Job.objects.update(state=Job.State.DONE)  # the save's own score job is finished


def link_events(action):
    return AuditEvent.objects.using("default").filter(action=action)


# --- the claim: a link resolved a moment ago may be used, replaced or expired now ---


@pytest.mark.parametrize("final", [True, False])
def test_a_link_used_meanwhile_writes_nothing(rnd, made, final):
    link, _ = made
    assert link_save(link=link, answers=citizen_answers(rnd), final=True)
    before = Answer.objects.count()
    assert link_save(link=link, answers=citizen_answers(rnd, 1), final=final) is False
    assert Answer.objects.count() == before
    link.refresh_from_db()
    assert link.submitted_at is not None  # the claim stores when


@pytest.mark.parametrize("final", [True, False])
def test_a_link_replaced_meanwhile_writes_nothing(rnd, made, caseworker, final):
    link, _ = made
    link_create(rnd=rnd, by=caseworker)
    assert link_save(link=link, answers=citizen_answers(rnd), final=final) is False
    assert Answer.objects.count() == 0


@pytest.mark.parametrize("final", [True, False])
def test_a_link_expired_meanwhile_writes_nothing(rnd, made, final):
    link, _ = made
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        assert link_save(link=link, answers=citizen_answers(rnd), final=final) is False
    assert Answer.objects.count() == 0


def test_a_part_submitted_on_screen_meanwhile_keeps_the_link_unclaimed(
    rnd, made, caseworker
):
    link, _ = made
    services.round_save(
        rnd=rnd,
        by=caseworker,
        lock_version=rnd.lock_version,
        answers={Respondent.CITIZEN: citizen_answers(rnd, 2)},
        submit=(Respondent.CITIZEN,),
    )
    assert link_save(link=link, answers=citizen_answers(rnd, 5), final=True) is False
    link.refresh_from_db()
    assert link.submitted_at is None  # the claim rolled back with the refusal
    assert set(Answer.objects.values_list("value", flat=True)) == {2}


def test_the_link_expires_at_its_expiry_instant(made):
    link, token = made
    with time_machine.travel(link.expires_at, tick=False):
        assert link_resolve(token) is None
    with time_machine.travel(link.expires_at - timedelta(seconds=1), tick=False):
        assert link_resolve(token) == link


# --- what a submission writes ---


def test_submission_completes_the_round_once_both_parts_are_in(rnd, made, caseworker):
    link, _ = made
    complete_caseworker_part(rnd, caseworker)
    version = rnd.lock_version
    assert link_save(link=link, answers=citizen_answers(rnd), final=True)
    rnd.refresh_from_db()
    assert rnd.both_in_on == timezone.localdate()
    assert rnd.lock_version == version + 1  # the case worker's open form is now stale
    assert Job.objects.filter(state=Job.State.PENDING, params__trigger="link").exists()
    part = rnd.responses.get(respondent=Respondent.CITIZEN)
    assert (part.state, part.channel) == (Response.State.SUBMITTED, "link")


def test_submission_before_the_case_workers_part_leaves_the_round_open(rnd, made):
    link, _ = made
    assert link_save(link=link, answers=citizen_answers(rnd), final=True)
    rnd.refresh_from_db()
    assert rnd.both_in_on is None
    assert not Job.objects.exists()  # no scores while the case worker's part is missing


@pytest.mark.parametrize(
    ("final", "action"), [(True, "link.submit"), (False, "link.draft")]
)
def test_saves_are_audited_with_the_round_and_citizen(
    rnd, made, citizen, final, action
):
    link, _ = made
    link_save(link=link, answers=citizen_answers(rnd), final=final)
    # written on the business transaction's connection: it rolls back with the save
    event = link_events(action).get()
    assert (event.actor_id, event.purpose) == (None, Purpose.SELF_SERVICE)
    assert (event.object_type, event.object_id) == ("citizenlink", str(link.pk))
    assert event.municipality_id == rnd.municipality_id
    assert list(
        AuditEventCitizen.objects.using("default")
        .filter(event_id=event.pk)
        .values_list("citizen_id", flat=True)
    ) == [citizen.pk]


def test_opening_is_audited_once_as_open_then_as_reopen(
    rnd, made, caseworker, citizen, world
):
    link, _ = made
    other_round = round_start(
        citizen=CitizenFactory(team=world.team, caseworker=caseworker), by=caseworker
    )
    other_link, _ = link_create(rnd=other_round, by=caseworker)
    services.link_opened(link)
    services.link_opened(link)
    link.refresh_from_db()
    other_link.refresh_from_db()
    assert link.opened_at is not None
    assert other_link.opened_at is None
    events = AuditEvent.objects.filter(object_type="citizenlink").order_by("pk")
    assert list(
        events.values_list("action", "purpose", "object_id", "municipality_id")
    ) == [
        ("link.open", Purpose.SELF_SERVICE, str(link.pk), rnd.municipality_id),
        ("link.reopen", Purpose.SELF_SERVICE, str(link.pk), rnd.municipality_id),
    ]
    assert list(
        AuditEventCitizen.objects.filter(event_id=events[0].pk).values_list(
            "citizen_id", flat=True
        )
    ) == [citizen.pk]


# --- making a link ---


def test_a_new_link_keeps_when_older_links_were_revoked(rnd, made, caseworker):
    first, _ = made
    link_create(rnd=rnd, by=caseworker)
    first.refresh_from_db()
    revoked_at = first.revoked_at
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        link_create(rnd=rnd, by=caseworker)
    first.refresh_from_db()
    assert first.revoked_at == revoked_at
    assert CitizenLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_no_link_for_an_answered_round(rnd, caseworker):
    services.round_save(
        rnd=rnd,
        by=caseworker,
        lock_version=rnd.lock_version,
        answers={Respondent.CITIZEN: citizen_answers(rnd)},
        submit=(Respondent.CITIZEN,),
    )
    with translation.override("en"), pytest.raises(ApplicationError) as answered:
        link_create(rnd=rnd, by=caseworker)
    assert str(answered.value) == "The citizen has already answered this round."
    assert not CitizenLink.objects.exists()


def test_no_link_for_a_locked_round(rnd, caseworker):
    with (
        translation.override("en"),
        mock.patch.object(services, "round_is_locked", return_value=True),
        pytest.raises(ApplicationError) as locked,
    ):
        link_create(rnd=rnd, by=caseworker)
    assert str(locked.value) == "The round is locked."
    assert not CitizenLink.objects.exists()


# --- what a save may contain ---


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("foreign", "An answer names a question that is not in this round."),
        (6, "An answer must be from 1 to 5."),
        (0, "An answer must be from 1 to 5."),
        ("no reason", "A question without an answer needs a reason."),
    ],
)
def test_bad_answers_are_refused_with_a_reason(rnd, made, change, message):
    link, _ = made
    answers = citizen_answers(rnd)
    first = next(iter(answers))
    if change == "foreign":
        answers[10**9] = (3, "")
    elif change == "no reason":
        answers[first] = (None, "")
    else:
        answers[first] = (change, "")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        link_save(link=link, answers=answers, final=False)
    assert refused.value.messages == [message]
    assert Answer.objects.count() == 0


def test_the_scale_ends_are_answers(rnd, made):
    link, _ = made
    answers = citizen_answers(rnd)
    low, high = list(answers)[:2]
    answers[low], answers[high] = (1, ""), (5, "")
    assert link_save(link=link, answers=answers, final=True)
    assert {1, 5} <= set(Answer.objects.values_list("value", flat=True))


# The rate limit (django-ratelimit, per token, failing open when Redis is away) is
# tested in test_citizen_link.py.


def test_making_a_link_is_audited_with_its_maker_round_and_citizen(
    rnd, caseworker, citizen
):
    link, _ = link_create(rnd=rnd, by=caseworker)
    # written with the link: a rolled-back create leaves no event
    event = link_events("link.create").get()
    assert event.actor_id == caseworker.pk
    assert (event.object_type, event.object_id) == ("citizenlink", str(link.pk))
    assert event.municipality_id == rnd.municipality_id
    assert list(
        AuditEventCitizen.objects.using("default")
        .filter(event_id=event.pk)
        .values_list("citizen_id", flat=True)
    ) == [citizen.pk]


def test_the_citizens_page_reads_the_link_round_and_citizen_at_once(
    client, made, django_assert_max_num_queries
):
    _, token = made
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        assert client.get(f"/b/{token}/").status_code == 200

from __future__ import annotations

import threading
from datetime import date, timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from measurements.models import Answer, Respondent, Response, Round
from measurements.services import questions, round_start
from tests.measurements.helpers import answers_for, full_round_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def rnd(citizen, caseworker):
    return round_start(citizen=citizen, by=caseworker)


def test_start_twice_gives_the_same_open_round(client, caseworker, citizen):
    client.force_login(caseworker)
    first = client.post(f"/rounds/start/{citizen.pk}/")
    second = client.post(f"/rounds/start/{citizen.pk}/")
    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert first.url == second.url
    assert Round.objects.count() == 1


def test_start_needs_post(client, caseworker, citizen):
    client.force_login(caseworker)
    assert (
        client.get(f"/rounds/start/{citizen.pk}/").status_code
        == HTTPStatus.METHOD_NOT_ALLOWED
    )


def test_partial_save_keeps_answers_and_round_open(client, caseworker, rnd):
    client.force_login(caseworker)
    data = {"lock_version": rnd.lock_version, "action": "save"}
    first_q = questions(rnd.instrument_version, Respondent.CASEWORKER)[0]
    data[f"q{first_q.pk}"] = "2"
    r = client.post(f"/rounds/{rnd.pk}/", data)
    assert r.status_code == HTTPStatus.FOUND
    rnd.refresh_from_db()
    assert rnd.state == Round.State.OPEN
    assert Answer.objects.get(question=first_q).value == 2


def test_submit_both_completes_the_round_with_snapshots(client, caseworker, rnd, world):
    client.force_login(caseworker)
    r = client.post(f"/rounds/{rnd.pk}/", full_round_post(rnd))
    assert r.status_code == HTTPStatus.FOUND
    rnd.refresh_from_db()
    assert rnd.state == Round.State.COMPLETE
    assert rnd.round_date == date(2026, 2, 2)
    assert (rnd.team, rnd.caseworker) == (world.team, caseworker)
    assert rnd.target_group.code == "kontant_aktivitetsparat"
    assert Answer.objects.filter(response__round=rnd).count() == 20  # 11 + 9
    assert set(Response.objects.filter(round=rnd).values_list("state", flat=True)) == {
        "submitted"
    }


def test_submit_with_a_missing_answer_is_refused_and_nothing_submitted(
    client, caseworker, rnd
):
    client.force_login(caseworker)
    data = full_round_post(rnd, action="submit_caseworker")
    q = questions(rnd.instrument_version, Respondent.CASEWORKER)[0]
    del data[f"q{q.pk}"]
    r = client.post(f"/rounds/{rnd.pk}/", data)
    assert r.status_code == HTTPStatus.OK
    assert "Besvar alle spørgsmål" in r.content.decode()
    rnd.refresh_from_db()
    assert rnd.state == Round.State.OPEN
    assert Answer.objects.count() == 0  # the whole save rolled back


def test_not_answered_is_a_reason_never_a_zero(client, caseworker, rnd):
    client.force_login(caseworker)
    q = questions(rnd.instrument_version, Respondent.CITIZEN)[0]
    r = client.post(
        f"/rounds/{rnd.pk}/", full_round_post(rnd, **{f"q{q.pk}": "declined"})
    )
    assert r.status_code == HTTPStatus.FOUND
    answer = Answer.objects.get(question=q)
    assert (answer.value, answer.missing_reason) == (None, "declined")


@pytest.mark.parametrize("bad", ["0", "6", "banana"])
def test_values_outside_1_to_5_are_refused(client, caseworker, rnd, bad):
    client.force_login(caseworker)
    q = questions(rnd.instrument_version, Respondent.CASEWORKER)[0]
    r = client.post(f"/rounds/{rnd.pk}/", full_round_post(rnd, **{f"q{q.pk}": bad}))
    assert r.status_code == HTTPStatus.OK
    assert Answer.objects.count() == 0


def test_double_submit_of_the_same_form_does_not_duplicate(client, caseworker, rnd):
    client.force_login(caseworker)
    data = full_round_post(rnd)
    assert client.post(f"/rounds/{rnd.pk}/", data).status_code == HTTPStatus.FOUND
    second = client.post(f"/rounds/{rnd.pk}/", data)  # the same, stale lock_version
    assert second.status_code == HTTPStatus.OK
    assert "En anden har gemt målingen" in second.content.decode()
    assert Round.objects.count() == 1
    assert Answer.objects.count() == 20


def test_a_future_date_is_refused(client, caseworker, rnd):
    client.force_login(caseworker)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = client.post(f"/rounds/{rnd.pk}/", full_round_post(rnd, round_date=tomorrow))
    assert r.status_code == HTTPStatus.OK
    assert Round.objects.get().state == Round.State.OPEN


def test_teammate_reads_but_cannot_save(client, teammate, rnd):
    client.force_login(teammate)
    assert client.get(f"/rounds/{rnd.pk}/").status_code == HTTPStatus.OK
    client.post(f"/rounds/{rnd.pk}/", full_round_post(rnd))
    assert Answer.objects.count() == 0


def test_other_team_gets_404(client, other_team_caseworker, rnd):
    client.force_login(other_team_caseworker)
    assert client.get(f"/rounds/{rnd.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert (
        client.post(f"/rounds/{rnd.pk}/", full_round_post(rnd)).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert Answer.objects.count() == 0


def complete(client, user, rnd):
    client.force_login(user)
    client.post(
        f"/rounds/{rnd.pk}/",
        full_round_post(rnd, round_date=timezone.localdate().isoformat()),
    )
    rnd.refresh_from_db()


def test_locked_round_refuses_edits_and_team_leader_corrects_with_reason(
    client, caseworker, team_leader, rnd
):
    complete(client, caseworker, rnd)
    later = timezone.now() + timedelta(days=rnd.municipality.round_lock_days + 2)
    q = questions(rnd.instrument_version, Respondent.CASEWORKER)[0]
    with time_machine.travel(later):
        r = client.post(f"/rounds/{rnd.pk}/", full_round_post(rnd, **{f"q{q.pk}": "1"}))
        assert Answer.objects.get(question=q, superseded_at__isnull=True).value == 4
        # the case worker may not correct
        client.get(f"/rounds/{rnd.pk}/correct/")
        client.force_login(team_leader)
        data = {
            **answers_for(rnd, Respondent.CASEWORKER, "4"),
            **answers_for(rnd, Respondent.CITIZEN, "2"),
        }
        data[f"q{q.pk}"] = "1"
        assert (
            client.post(
                f"/rounds/{rnd.pk}/correct/", {**data, "reason": ""}
            ).status_code
            == HTTPStatus.OK
        )
        r = client.post(
            f"/rounds/{rnd.pk}/correct/", {**data, "reason": "Typed the wrong number"}
        )
    assert r.status_code == HTTPStatus.FOUND
    revisions = list(Answer.objects.filter(question=q).order_by("pk"))
    assert [a.value for a in revisions] == [4, 1]
    assert revisions[0].superseded_at is not None
    assert revisions[1].correction_reason == "Typed the wrong number"
    assert revisions[1].corrected_by == team_leader
    from bip.audit.models import AuditEvent

    assert AuditEvent.objects.using("default").filter(action="round.correct").exists()


def test_correction_is_refused_before_the_lock(client, team_leader, caseworker, rnd):
    complete(client, caseworker, rnd)
    client.force_login(team_leader)
    r = client.get(f"/rounds/{rnd.pk}/correct/")
    assert r.status_code == HTTPStatus.FOUND
    assert Answer.objects.filter(correction_reason__gt="").count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_starts_make_one_round(citizen, caseworker):
    results, errors = [], []

    def start():
        try:
            results.append(round_start(citizen=citizen, by=caseworker).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(set(results)) == 1
    assert Round.objects.count() == 1
    connection.close()


def test_round_form_in_danish_and_english(client, caseworker, rnd):
    client.force_login(caseworker)
    danish = client.get(f"/rounds/{rnd.pk}/").content.decode()
    assert "Hvor aktivt søger borgeren job?" in danish
    assert "Hvor meget søger du job lige nu?" in danish
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/rounds/{rnd.pk}/").content.decode()
    assert "How actively does the citizen look for jobs?" in english
    assert "How much are you looking for a job right now?" in english
    assert "Submit the case worker's part" in english

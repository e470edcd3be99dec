"""What makes scores: a saved round (after commit), a correction, a citizen's own
submission, an activated model (a full recompute that keeps the old version's scores)
and the nightly sweep (DESIGN sections 4 and 5)."""

from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from bip.jobs.models import Job
from citizens.services import assignment_change
from measurements.models import ModelVersion, Respondent, Round, Score
from measurements.scoring.recompute import KIND, scores_sweep
from measurements.scoring.services import model_activate
from measurements.scoring.versions import active_model
from measurements.services import round_correct, round_start
from tests.factories import CitizenFactory
from tests.measurements.helpers import (
    answers_for,
    full_round_post,
    make_round,
    run_scores,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rnd(citizen, caseworker):
    return round_start(citizen=citizen, by=caseworker)


def post_round(client, rnd, callbacks, **extra):
    with callbacks(execute=True):
        r = client.post(f"/rounds/{rnd.pk}/", full_round_post(rnd, **extra))
    assert r.status_code == HTTPStatus.FOUND
    rnd.refresh_from_db()
    return r


def test_saving_a_round_scores_it_once(
    client, caseworker, rnd, django_capture_on_commit_callbacks
):
    client.force_login(caseworker)
    post_round(client, rnd, django_capture_on_commit_callbacks)
    reference = active_model(municipality_id=rnd.municipality_id)
    score = Score.objects.get(round=rnd)
    assert (score.model_version, score.superseded_at) == (reference, None)
    assert 0 < score.p12 < 1
    job = Job.objects.get(kind=KIND)
    assert (job.state, job.params["trigger"], job.progress) == ("done", "round", 1)
    assert score.job == job
    # saving again without changes: a job runs, but nothing new is written
    post_round(client, rnd, django_capture_on_commit_callbacks, action="save")
    assert Job.objects.filter(kind=KIND).count() == 2
    assert Score.objects.filter(round=rnd).count() == 1


def test_no_score_until_the_case_workers_part_is_in(
    client, caseworker, rnd, django_capture_on_commit_callbacks
):
    client.force_login(caseworker)
    data = {
        "lock_version": rnd.lock_version,
        "action": "submit_citizen",
        **answers_for(rnd, Respondent.CITIZEN, "2"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/rounds/{rnd.pk}/", data)
    assert r.status_code == HTTPStatus.FOUND
    rnd.refresh_from_db()
    assert rnd.state == Round.State.OPEN
    assert not Job.objects.filter(kind=KIND).exists()
    assert not Score.objects.exists()


def test_correcting_rescores_with_a_new_inputs_hash(
    client, caseworker, team_leader, rnd, django_capture_on_commit_callbacks
):
    client.force_login(caseworker)
    post_round(client, rnd, django_capture_on_commit_callbacks)
    before = Score.objects.get(round=rnd)
    belief = rnd.instrument_version.questions.get(
        respondent="caseworker", indicator="cw_job_belief"
    )
    later = timezone.now() + timedelta(days=rnd.municipality.round_lock_days + 2)
    with (
        time_machine.travel(later),
        django_capture_on_commit_callbacks(execute=True),
    ):
        changed = round_correct(
            rnd=rnd,
            by=team_leader,
            reason="Skrev forkert tal",
            answers={"caseworker": {belief.pk: (5, "")}},
        )
    assert changed == 1
    rows = list(Score.objects.filter(round=rnd).order_by("pk"))
    assert len(rows) == 2
    old, new = rows
    assert old.pk == before.pk
    assert old.superseded_at is not None
    assert new.superseded_at is None
    assert new.inputs_hash != old.inputs_hash
    assert new.p12 > old.p12  # the case worker's belief went from 4 to 5


def test_citizen_link_submission_rescores(
    client, caseworker, rnd, django_capture_on_commit_callbacks
):
    from measurements.services import link_create, link_save

    client.force_login(caseworker)
    data = {
        "lock_version": rnd.lock_version,
        "action": "submit_caseworker",
        "round_date": "2026-02-02",
        **answers_for(rnd, Respondent.CASEWORKER, "4"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/rounds/{rnd.pk}/", data)
    first = Score.objects.get(round=rnd)
    assert first.contributions["terms"].get("cit_part_missing") is None
    link, _token = link_create(rnd=rnd, by=caseworker)
    citizen_questions = rnd.instrument_version.questions.filter(respondent="citizen")
    with django_capture_on_commit_callbacks(execute=True):
        assert link_save(
            link=link, answers={q.pk: (5, "") for q in citizen_questions}, final=True
        )
    current = Score.objects.get(round=rnd, superseded_at__isnull=True)
    assert current.pk != first.pk
    assert current.p12 > first.p12


@pytest.fixture
def three_rounds(world, caseworker):
    person = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2024, 1, 1)
    )
    rounds = [
        make_round(person, day)
        for day in (date(2024, 1, 10), date(2024, 4, 10), date(2024, 7, 10))
    ]
    run_scores(world.municipality)
    return rounds


def test_activating_a_model_recomputes_every_round_and_keeps_the_old_scores(
    world, municipal_admin, three_rounds, django_capture_on_commit_callbacks
):
    reference = active_model(municipality_id=world.municipality.pk)
    local = ModelVersion.objects.create(
        municipality=world.municipality,
        kind="local",
        coefficients={"intercept": -3.0, "features": {"cw_cw_job_belief": 0.5}},
    )
    with django_capture_on_commit_callbacks(execute=True):
        model_activate(
            version=local, by=municipal_admin, municipality_id=world.municipality.pk
        )
    job = Job.objects.filter(kind=KIND).latest("pk")
    assert (job.state, job.params["trigger"], job.total, job.progress) == (
        "done",
        "activation",
        3,
        3,
    )
    assert job.requested_by == municipal_admin
    for rnd in three_rounds:
        new = Score.objects.get(round=rnd, model_version=local)
        old = Score.objects.get(round=rnd, model_version=reference)
        assert new.superseded_at is None
        assert old.superseded_at is None
        assert new.p12 != old.p12
    # activating the reference again: its scores are still current, nothing rewritten
    before = set(Score.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        model_activate(
            version=reference, by=municipal_admin, municipality_id=world.municipality.pk
        )
    assert set(Score.objects.values_list("pk", flat=True)) == before


def test_an_activation_overtaken_by_another_does_nothing(world, municipal_admin):
    local = ModelVersion.objects.create(
        municipality=world.municipality, kind="local", coefficients={"intercept": -3.0}
    )
    from measurements.scoring.recompute import scores_request

    with transaction.atomic():
        job = scores_request(
            municipality_id=world.municipality.pk,
            trigger="activation",
            model_version_id=local.pk,  # never activated
        )
    from bip.jobs.services import job_run

    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.result) == ("done", {"skipped": "model no longer active"})


def test_nightly_sweep_scores_what_lacks_a_current_score(
    world, caseworker, teammate, three_rounds
):
    person = three_rounds[0].enrolment.citizen
    unscored = make_round(person, date(2024, 10, 10))
    # a change of case worker recorded late changes the inputs of the last rounds
    assignment_change(
        citizen=person,
        caseworker=teammate,
        team=world.team,
        start=date(2024, 9, 1),
        by=caseworker,
    )
    created = scores_sweep()
    assert [j.municipality_id for j in created] == [world.municipality.pk]
    assert scores_sweep() == []  # one per municipality while it is unfinished
    from bip.jobs.services import job_run

    job_run(job_id=created[0].pk)
    assert Score.objects.filter(round=unscored, superseded_at__isnull=True).exists()
    assert Score.objects.get(round=unscored).contributions["terms"]["cw_change"]
    # the first three rounds lie before the change: untouched
    for rnd in three_rounds:
        assert Score.objects.filter(round=rnd).count() == 1
    created[0].refresh_from_db()
    assert created[0].state == "done"
    # the sweep asked for the associations afterwards
    assert Job.objects.filter(kind="scores.associations").exists()


def test_saves_waiting_for_a_worker_join_one_job(world, caseworker, three_rounds):
    other = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2024, 1, 1)
    )
    make_round(other, date(2024, 2, 1))
    from measurements.scoring.recompute import scores_request

    rounds = [three_rounds[0], Round.objects.get(enrolment__citizen=other)]
    for rnd in rounds:  # two saves; the broker has not delivered the first yet
        with transaction.atomic():
            scores_request(
                municipality_id=world.municipality.pk,
                trigger="round",
                enrolment_ids=[rnd.enrolment_id],
            )
    waiting = Job.objects.filter(kind=KIND, state="pending")
    assert waiting.count() == 1
    assert waiting.get().params["enrolment_ids"] == sorted(
        r.enrolment_id for r in rounds
    )
    # a job that was claimed once (it may hold a checkpoint) takes no newcomers
    waiting.update(attempts=1)
    with transaction.atomic():
        scores_request(
            municipality_id=world.municipality.pk,
            trigger="correction",
            enrolment_ids=[rounds[0].enrolment_id],
        )
    assert Job.objects.filter(kind=KIND, state="pending").count() == 2

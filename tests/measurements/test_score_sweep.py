"""The nightly sweep scores only the spells whose inputs changed since they were
scored (DESIGN sections 4 and 5): with nothing changed it scores no spell and writes
nothing, in the same few queries however many spells there are; a late change found
the same night rescores exactly its spell."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bip.jobs.models import Job
from bip.jobs.services import job_run
from citizens.services import assignment_change, citizen_update
from interventions.models import InterventionType
from interventions.services import catalogue_copy, episode_create
from measurements.models import IndicatorScore, ModelVersion, Score, SpellScoring
from measurements.scoring import recompute
from measurements.services import round_correct
from tests.factories import CitizenFactory
from tests.measurements.helpers import (
    bulk_spells,
    local_version,
    make_round,
    run_scores,
)

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]
ROUND_DAYS = (date(2024, 1, 10), date(2024, 4, 10))


@pytest.fixture
def people(world, caseworker):
    """Four citizens enrolled on 1 January 2024 (born 1 January 1990), two complete
    rounds each, all scored."""
    found = []
    for i in range(4):
        person = CitizenFactory(
            team=world.team,
            caseworker=caseworker,
            enrolment_start=date(2024, 1, 1),
            cpr=f"0101{90 + i}1234",
            name=f"Borger {i}",
        )
        for day in ROUND_DAYS:
            make_round(person, day)
        found.append(person)
    run_scores(world.municipality)
    return found


@pytest.fixture
def sweep(monkeypatch):
    """Run the nightly sweep and its jobs here, as beat and a worker would; returns
    the spells passed to the scoring step, in order."""
    seen: list[int] = []
    original = recompute.compute_chunk

    def spy(ctx, enrolment_ids):
        seen.extend(enrolment_ids)
        return original(ctx, enrolment_ids)

    monkeypatch.setattr(recompute, "compute_chunk", spy)

    def run() -> list[int]:
        seen.clear()
        for job in recompute.scores_sweep():
            job_run(job_id=job.pk)
            job.refresh_from_db()
            assert job.state == "done", job.error
        return list(seen)

    return run


def spell(person):
    return person.enrolments.get().pk


def stored():
    """Everything the scoring writes, as rows."""
    return (
        set(Score.objects.values_list("pk", "round_id", "inputs_hash", "computed_at")),
        set(IndicatorScore.objects.values_list("pk", "inputs_hash", "computed_at")),
        set(SpellScoring.objects.values_list()),
    )


def current_scores(person):
    return set(
        Score.objects.filter(
            round__enrolment__citizen=person, superseded_at__isnull=True
        ).values_list("pk", flat=True)
    )


def test_a_sweep_with_nothing_changed_scores_no_spell_and_writes_nothing(people, sweep):
    before, jobs = stored(), Job.objects.count()
    assert sweep() == []
    assert (stored(), Job.objects.count()) == (before, jobs)
    # nothing a score is computed from moves with the calendar: a year on, still none
    with time_machine.travel(timezone.now() + timedelta(days=365)):
        assert sweep() == []
    assert (stored(), Job.objects.count()) == (before, jobs)


def test_the_sweep_asks_the_same_queries_for_4_and_44_spells(
    world, caseworker, people, sweep
):
    with CaptureQueriesContext(connection) as few:
        assert sweep() == []
    bulk_spells(world.team, caseworker, spells=40)
    run_scores(world.municipality)
    with CaptureQueriesContext(connection) as many:
        assert sweep() == []
    assert len(few.captured_queries) == len(many.captured_queries) == 1


def test_a_corrected_birth_date_rescores_that_spell(caseworker, people, sweep):
    person = people[1]
    before = current_scores(person)
    citizen_update(
        citizen=person,
        by=caseworker,
        name=person.name,
        cpr_number="0101801234",  # born ten years earlier: another age band
        preferred_language="da",
        phone="",
        email="",
        round_interval_days=None,
    )
    assert sweep() == [spell(person)]
    assert current_scores(person).isdisjoint(before)
    assert len(current_scores(person)) == len(ROUND_DAYS)
    assert sweep() == []  # scored: found no more


def test_a_changed_name_changes_no_input(caseworker, people, sweep):
    person = people[1]
    citizen_update(
        citizen=person,
        by=caseworker,
        name="Et andet navn",
        cpr_number=person.cpr_clear(),
        preferred_language="en",
        phone="12345678",
        email="",
        round_interval_days=None,
    )
    assert sweep() == []


def test_a_new_assignment_rescores_that_spell(
    world, caseworker, teammate, people, sweep
):
    person = people[2]
    first, second = (
        person.enrolments.get()
        .rounds.order_by("round_date")
        .values_list("pk", flat=True)
    )
    before = current_scores(person)
    assignment_change(
        citizen=person,
        caseworker=teammate,
        team=world.team,
        start=date(2024, 3, 1),  # between the two rounds: a change of case worker
        by=caseworker,
    )
    assert sweep() == [spell(person)]
    now = Score.objects.get(round_id=second, superseded_at__isnull=True)
    assert now.pk not in before
    assert now.contributions["terms"]["cw_change"]
    # the first round lies before the change: scored again, nothing new written
    assert Score.objects.filter(round_id=first).count() == 1


def test_a_corrected_round_rescores_that_spell(team_leader, people, sweep):
    person = people[3]
    rnd = person.enrolments.get().rounds.order_by("round_date").last()
    belief = rnd.instrument_version.questions.get(
        respondent="caseworker", indicator="cw_job_belief"
    )
    changed = round_correct(
        rnd=rnd,
        by=team_leader,
        reason="Skrev forkert tal",
        answers={"caseworker": {belief.pk: (5, "")}},
    )
    assert changed == 1
    # the correction's own recompute has not run yet (the worker is busy)
    Job.objects.filter(kind=recompute.KIND, state="pending").delete()
    assert sweep() == [spell(person)]
    assert Score.objects.filter(round=rnd).count() == 2
    assert Score.objects.get(round=rnd, superseded_at__isnull=True).computed_at


def test_an_intervention_episode_rescores_that_spell(
    world, caseworker, municipal_admin, people, sweep
):
    person = people[0]
    catalogue_copy(municipality_id=world.municipality.pk, by=municipal_admin)
    episode_create(
        citizen=person,
        type=InterventionType.objects.filter(municipality=world.municipality).first(),
        start=date(2024, 2, 1),
        end=None,
        by=caseworker,
    )
    assert sweep() == [spell(person)]
    assert sweep() == []


def test_a_new_active_model_rescores_every_spell(world, people, sweep):
    version = local_version(world.municipality)
    # activated without its own recompute (a worker lost it): the sweep catches up
    ModelVersion.objects.filter(pk=version.pk).update(active=True)
    assert sweep() == sorted(spell(p) for p in people)
    assert Score.objects.filter(
        model_version=version, superseded_at__isnull=True
    ).count() == len(people) * len(ROUND_DAYS)
    assert sweep() == []


def test_another_class_threshold_rescores_every_spell(settings, people, sweep):
    settings.BIP_PROGRESSION_THRESHOLD = settings.BIP_PROGRESSION_THRESHOLD + 0.1
    assert sweep() == sorted(spell(p) for p in people)
    assert sweep() == []

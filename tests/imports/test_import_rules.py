"""The outcome rules when a register extract is saved in bulk, the spellings of codes
people write, values never changed without a word, the stated limits, and one
recompute for a run of imports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from bip.imports import reading
from bip.jobs import services as jobs
from bip.jobs.models import Job
from citizens.models import Assignment, Enrolment
from interventions.models import InterventionEpisode, Outcome
from interventions.services import outcome_record
from measurements.scoring.recompute import KIND as RECOMPUTE

pytestmark = pytest.mark.django_db
KNOWN = {"outcomes_known_until": "2026-10-31"}


def errors_of(batch):
    return [
        (r.row_number, e["column"], e["problem"])
        for r in batch.rows.order_by("row_number")
        for e in r.errors
    ]


def test_register_outcomes_follow_the_rules_of_the_hand_entered_ones(
    run_import, commit_import, citizen, caseworker
):
    """Same kind within 14 days is one event; an imported outcome replaces a hand-
    entered one; a job ends the spell and its open assignment, never before the
    assignment's own start."""
    spell = citizen.enrolments.get()
    manual, _ = outcome_record(
        citizen=citizen, kind="subsidised_job", day=date(2026, 3, 1), by=caseworker
    )
    late = Assignment.objects.get(enrolment=spell)
    cpr = citizen.cpr_clear()
    content = (
        "cpr;outcome;date\n"
        f"{cpr};subsidised_job;05-03-2026\n"  # replaces the hand-entered one
        f"{cpr};job;01-04-2026\n"
        f"{cpr};job;10-04-2026\n"  # 9 days later: the same event
        f"{cpr};job;01-06-2026\n"  # a new event
    ).encode()
    batch = commit_import(run_import("outcomes", content, **KNOWN))
    assert batch.committed_at is not None, batch.commit_job.error
    manual.refresh_from_db()
    assert (manual.date, manual.source) == (date(2026, 3, 5), "import")
    jobs_ = Outcome.objects.filter(citizen=citizen, kind="job").order_by("date")
    assert [o.date for o in jobs_] == [date(2026, 4, 1), date(2026, 6, 1)]
    assert jobs_[0].enrolment_id == spell.pk
    assert jobs_[1].enrolment_id is None  # after the spell the first job ended
    spell.refresh_from_db()
    assert (spell.end, spell.end_reason) == (date(2026, 4, 1), "job")
    late.refresh_from_db()
    assert late.end == max(date(2026, 4, 1), late.start)
    assert batch.commit_job.result == {
        "created": 2,
        "merged": 2,
        "replaced": 1,
        "spells_ended": 1,
    }


def test_an_assignment_that_starts_after_the_spell_ends_is_closed_at_its_start(
    run_import, commit_import, citizen
):
    spell = citizen.enrolments.get()
    Assignment.objects.filter(enrolment=spell).update(start=date(2026, 5, 1))
    content = f"cpr;outcome;date\n{citizen.cpr_clear()};job;01-04-2026\n".encode()
    commit_import(run_import("outcomes", content, **KNOWN))
    assert Assignment.objects.get(enrolment=spell).end == date(2026, 5, 1)


@pytest.mark.parametrize(
    "written", ["ordinary_job", "ordinært job", "ordinaert_job", "Ordinært-Job", "JOB"]
)
def test_common_spellings_of_an_outcome(run_import, citizen, written):
    content = f"cpr;outcome;date\n{citizen.cpr_clear()};{written};01-04-2026\n"
    batch = run_import("outcomes", content.encode(), **KNOWN)
    assert errors_of(batch) == []
    assert batch.rows.get().data["kind"] == "job"


def test_common_spellings_of_intervention_codes(run_import, citizen):
    content = (
        "cpr;type;start\n"
        f"{citizen.cpr_clear()};Job-Search;01-04-2025\n"
        f"{citizen.cpr_clear()};social mentor;01-05-2025\n"
    )
    batch = run_import("episodes", content.encode())
    assert errors_of(batch) == []


def test_hours_with_more_than_one_decimal_are_refused_not_rounded(
    run_import, commit_import, citizen
):
    cpr = citizen.cpr_clear()
    content = (
        f"cpr;type;start;timer\n{cpr};job_search;01-04-2025;12,75\n"
        f"{cpr};social_mentor;01-05-2025;12,5\n"
    )
    batch = run_import("episodes", content.encode())
    assert errors_of(batch) == [
        (
            2,
            "hours_per_week",
            "12,75 har mere end én decimal: angiv timer pr. uge som fx 12,5 eller 13.",
        )
    ]
    assert not batch.can_commit
    assert InterventionEpisode.objects.count() == 0


def test_hours_are_stored_as_given(run_import, commit_import, citizen):
    content = (
        f"cpr;type;start;timer\n{citizen.cpr_clear()};job_search;01-04-2025;12,5\n"
    )
    commit_import(run_import("episodes", content.encode()))
    episode = InterventionEpisode.objects.get()
    assert str(episode.hours_per_week) == "12.5"
    assert (episode.source, episode.enrolment.citizen_id) == ("import", citizen.pk)


def test_a_file_with_too_many_rows_is_refused_before_it_is_read(
    run_import, citizen, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    rows = "".join(f"{citizen.cpr_clear()};job;0{i}-04-2026\n" for i in range(1, 4))
    batch = run_import("outcomes", f"cpr;outcome;date\n{rows}".encode(), **KNOWN)
    assert batch.file_errors == ["Filen har mere end 2 rækker."]
    assert batch.rows.count() == 0


def test_the_limits_fit_a_large_municipalitys_history():
    assert reading.MAX_ROWS >= 2_000_000
    assert reading.MAX_BYTES >= 2_000_000 * 60  # a rounds row is about 60 bytes


def rounds_file(citizen, day):
    cpr = citizen.cpr_clear()
    return (
        "cpr;dato;besvarer;indikator;svar\n"
        f"{cpr};{day:%d-%m-%Y};sagsbehandler;cw_job_belief;4\n"
        f"{cpr};{day:%d-%m-%Y};sagsbehandler;goal_directed;3\n"
    ).encode()


def test_a_run_of_imports_queues_one_recompute_after_a_quiet_period(
    run_import, commit_import, citizen, settings
):
    settings.BIP_IMPORT_SCORES_DELAY = 300
    spell = citizen.enrolments.get()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        commit_import(
            run_import("rounds", rounds_file(citizen, spell.start + timedelta(days=10)))
        )
    with time_machine.travel(start + timedelta(seconds=200), tick=False):
        commit_import(
            run_import(
                "rounds", rounds_file(citizen, spell.start + timedelta(days=100))
            )
        )
    recomputes = Job.objects.filter(kind=RECOMPUTE, params__trigger="import")
    assert recomputes.count() == 1
    job = recomputes.get()
    # the second save moved the quiet period on
    assert job.not_before == start + timedelta(seconds=500)
    with time_machine.travel(start + timedelta(seconds=450), tick=False):
        assert jobs.claim(job_id=job.pk) is None  # not before the quiet period ends
        assert jobs.jobs_sweep()["requeued"] == 0
    with time_machine.travel(start + timedelta(seconds=501), tick=False):
        jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert citizen.enrolments.get().rounds.filter(scores__isnull=False).count() == 2


def test_without_a_quiet_period_the_recompute_runs_at_once(
    run_import, commit_import, citizen
):
    spell = citizen.enrolments.get()
    commit_import(
        run_import("rounds", rounds_file(citizen, spell.start + timedelta(days=10)))
    )
    job = Job.objects.get(kind=RECOMPUTE, params__trigger="import")
    assert (job.state, job.not_before) == (Job.State.DONE, None)
    assert Enrolment.objects.get(pk=spell.pk).rounds.get().scores.exists()

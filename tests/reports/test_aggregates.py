"""The dashboards' aggregates equal a direct computation over the rounds, scores,
outcomes and history: with a citizen who moves team mid-quarter, a round on the last
day of a quarter, a correction after the lock and a re-enrolment."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from bip.jobs.services import job_run
from citizens.models import Assignment, Enrolment
from citizens.services import assignment_change, enrolment_create
from interventions.services import outcome_record
from measurements.models import Round, Score
from measurements.scoring.versions import active_model
from measurements.services import round_correct
from reports.aggregates import REQUEST_LOCK, after_scores, dashboards_request
from reports.models import DashboardCell, DashboardMember, DashboardRefresh
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round, run_scores

pytestmark = pytest.mark.django_db
TODAY = date(2025, 12, 15)


def quarter_of(day):  # the test's own: a calendar quarter's first day
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def snapshot(rnd, team, caseworker):
    Round.objects.filter(pk=rnd.pk).update(
        team=team, caseworker=caseworker, target_group=rnd.enrolment.target_group
    )


@pytest.fixture
def history(world, caseworker, other_team_caseworker, team_leader):
    """Two citizens whose histories hold every edge case."""
    anna = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2025, 1, 6)
    )
    for day, level, team, who in (
        (date(2025, 1, 10), 2, world.team, caseworker),
        (date(2025, 3, 31), 2, world.team, caseworker),  # the last day of Q1
        (date(2025, 5, 15), 4, world.other_team, other_team_caseworker),
    ):
        snapshot(make_round(anna, day, cw=level, cit=level), team, who)
    # moves to the other team mid-quarter, before the May round
    assignment_change(
        citizen=anna,
        caseworker=other_team_caseworker,
        team=world.other_team,
        start=date(2025, 5, 1),
        by=team_leader,
    )
    bo = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2025, 1, 6)
    )
    snapshot(make_round(bo, date(2025, 2, 3), cw=3, cit=3), world.team, caseworker)
    outcome_record(citizen=bo, kind="other_exit", day=date(2025, 4, 30), by=caseworker)
    # enrolled again: a new spell with its own baseline
    enrolment_create(
        citizen=bo,
        team=world.team,
        caseworker=caseworker,
        target_group=bo.enrolments.first().target_group,
        start=date(2025, 7, 1),
        by=caseworker,
    )
    snapshot(make_round(bo, date(2025, 7, 3), cw=2, cit=2), world.team, caseworker)
    snapshot(make_round(bo, date(2025, 10, 2), cw=4, cit=4), world.team, caseworker)
    outcome_record(citizen=bo, kind="job", day=date(2025, 11, 20), by=caseworker)
    with time_machine.travel(TODAY):
        run_scores(world.municipality)
        # a correction after the lock: the March round's case worker part goes up
        march = Round.objects.get(round_date=date(2025, 3, 31))
        answers = {
            "caseworker": {
                a.question_id: (5, "")
                for a in march.responses.get(respondent="caseworker").answers.all()
            }
        }
        round_correct(rnd=march, by=team_leader, reason="tastefejl", answers=answers)
        run_scores(world.municipality)
    return anna, bo


def refresh(municipality):
    with time_machine.travel(TODAY), transaction.atomic():
        job = dashboards_request(municipality_id=municipality.pk)
    with time_machine.travel(TODAY):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.error
    return DashboardRefresh.objects.get(municipality=municipality)


def by_team_quarter(cells):
    out = defaultdict(Counter)
    for c in cells:
        key = (c.team_id, c.quarter)
        out[key]["done"] += c.rounds_done
        out[key]["due"] += c.rounds_due
        for klass in ("progress", "standstill", "regression"):
            out[key][klass] += getattr(c, klass)
        out[key]["p12_n"] += c.p12_n
        for kind, sums in c.outcomes.items():
            out[key][kind] += sums["n"]
            out[key][f"{kind}_days"] += sums["days"]
    return {k: +v for k, v in out.items()}


def direct(municipality):
    """The same figures, computed round by round from the tables."""
    model = active_model(municipality_id=municipality.pk)
    out = defaultdict(Counter)
    rounds = Round.objects.filter(municipality=municipality, state="complete")
    for r in rounds.select_related("enrolment"):
        key = (r.team_id, quarter_of(r.round_date))
        out[key]["done"] += 1
        score = Score.objects.get(
            round=r, model_version=model, superseded_at__isnull=True
        )
        if score.klass:
            out[key][score.klass] += 1
        out[key]["p12_n"] += 1
    for spell in Enrolment.objects.filter(municipality=municipality).select_related(
        "citizen"
    ):
        dates = sorted(
            r.round_date for r in rounds.filter(enrolment=spell).order_by("round_date")
        )
        interval = spell.citizen.round_interval_days or municipality.round_interval_days
        dues = [spell.start] if not dates else []
        dues += [d + timedelta(days=interval) for d in dates]
        for due in dues:
            if due > (spell.end or TODAY) or due > TODAY:
                continue
            placed = (
                Assignment.objects.filter(enrolment=spell, start__lte=due)
                .order_by("-start")
                .first()
            )
            out[(placed.team_id, quarter_of(due))]["due"] += 1
    for o in municipality.outcome_set.filter(
        kind__in=["job", "education", "other_exit"]
    ):
        spell = o.enrolment
        placed = (
            Assignment.objects.filter(enrolment=spell, start__lte=o.date)
            .order_by("-start")
            .first()
        )
        key = (placed.team_id, quarter_of(o.date))
        out[key][o.kind] += 1
        out[key][f"{o.kind}_days"] += (o.date - spell.start).days
    return {k: +v for k, v in out.items()}


def test_the_aggregates_equal_a_direct_computation(world, history):
    result = refresh(world.municipality)
    got = by_team_quarter(DashboardCell.objects.filter(refresh=result))
    assert got == direct(world.municipality)
    # the round on the last day of a quarter counts in that quarter
    q1 = got[(world.team.pk, date(2025, 1, 1))]
    assert q1["done"] == 3
    # after the move the May round counts for the other team
    assert got[(world.other_team.pk, date(2025, 4, 1))]["done"] == 1
    # the correction: the March round's current score, not the superseded one
    march = Round.objects.get(round_date=date(2025, 3, 31))
    assert Score.objects.filter(round=march).count() == 2
    # standstill before the correction (the same answers as in January), progress
    # after it
    assert (q1["progress"], q1.get("standstill", 0)) == (1, 0)


def test_members_are_the_citizens_behind_each_figure(world, history):
    anna, bo = history
    result = refresh(world.municipality)
    cells = DashboardCell.objects.filter(refresh=result)
    done_q1 = DashboardMember.objects.filter(
        cell__in=cells.filter(team=world.team, quarter=date(2025, 1, 1)), figure="done"
    )
    assert set(done_q1.values_list("citizen_id", flat=True)) == {anna.pk, bo.pk}
    # a class within a mix: the same citizens as the class, split by mix
    classes = DashboardMember.objects.filter(cell__in=cells, figure="class")
    by_mix = DashboardMember.objects.filter(cell__in=cells, figure="mixclass")
    assert by_mix.exists()
    assert {
        (m.cell_id, m.category.partition(".")[2], m.citizen_id) for m in by_mix
    } == {(m.cell_id, m.category, m.citizen_id) for m in classes}
    exits = DashboardMember.objects.filter(cell__in=cells, figure="outcome")
    assert set(exits.values_list("category", "citizen_id")) == {
        ("other_exit", bo.pk),
        ("job", bo.pk),
    }


def test_a_refresh_replaces_the_previous_one(world, history):
    first = refresh(world.municipality)
    second = refresh(world.municipality)
    assert list(DashboardRefresh.objects.values_list("pk", flat=True)) == [second.pk]
    assert not DashboardCell.objects.filter(refresh_id=first.pk).exists()


def test_scores_changing_queue_a_refresh(world, history):
    from bip.jobs.models import Job

    assert Job.objects.filter(kind="reports.dashboards").exists()


# --- After saves: at most one refresh per quiet period ---


def pending_refreshes(municipality):
    from bip.jobs.models import Job

    return Job.objects.filter(
        kind="reports.dashboards", municipality=municipality, state="pending"
    )


@pytest.fixture
def refreshed(world, history, settings):
    """The history's dashboards computed, no job waiting, a 300 s quiet period."""
    from bip.jobs.models import Job

    settings.BIP_DASHBOARDS_DELAY = 300
    last = refresh(world.municipality)
    Job.objects.filter(state="pending").delete()
    return last.computed_at


def saves_at(municipality, moment, capture, times=1):
    """`times` saves' requests for a refresh at `moment`; the sends queued for after
    their commit."""
    with time_machine.travel(moment, tick=False), capture() as sent:
        for _ in range(times):
            after_scores(municipality.pk)
    return sent


def test_saves_soon_after_a_refresh_wait_for_one_refresh(
    world, refreshed, django_capture_on_commit_callbacks
):
    from bip.jobs import services as jobs

    sent = saves_at(  # a second save joins the first
        world.municipality,
        refreshed + timedelta(seconds=60),
        django_capture_on_commit_callbacks,
        times=2,
    )
    waiting = pending_refreshes(world.municipality).get()
    assert waiting.not_before == refreshed + timedelta(seconds=300)
    assert sent == []  # the sweeper sends it once the quiet period is over
    with time_machine.travel(refreshed + timedelta(seconds=299), tick=False):
        assert jobs.claim(job_id=waiting.pk) is None
        assert jobs.jobs_sweep()["requeued"] == 0
    with time_machine.travel(refreshed + timedelta(seconds=301), tick=False):
        assert jobs.jobs_sweep()["requeued"] == 1  # run here: tasks are eager
    waiting.refresh_from_db()
    assert waiting.state == "done", waiting.error
    newest = DashboardRefresh.objects.get(municipality=world.municipality)
    assert newest.computed_at == refreshed + timedelta(seconds=301)


def test_a_save_after_a_quiet_spell_refreshes_at_once(
    world, refreshed, django_capture_on_commit_callbacks
):
    sent = saves_at(
        world.municipality,
        refreshed + timedelta(seconds=301),
        django_capture_on_commit_callbacks,
    )
    job = pending_refreshes(world.municipality).get()
    assert job.not_before is None
    assert len(sent) == 1


def test_a_save_while_a_refresh_runs_waits_a_quiet_period_from_now(world, refreshed):
    from bip.jobs.models import Job

    later = refreshed + timedelta(hours=2)  # the last refresh is long past
    Job.objects.create(
        kind="reports.dashboards",
        municipality=world.municipality,
        state="running",
        attempts=1,
        heartbeat_at=later,
    )
    with time_machine.travel(later, tick=False):
        after_scores(world.municipality.pk)
    job = pending_refreshes(world.municipality).get()
    assert job.not_before == later + timedelta(seconds=300)


def test_asking_for_a_refresh_brings_a_waiting_one_forward(
    world, refreshed, django_capture_on_commit_callbacks
):
    with time_machine.travel(refreshed + timedelta(seconds=60), tick=False):
        after_scores(world.municipality.pk)
        waiting = pending_refreshes(world.municipality).get()
        with django_capture_on_commit_callbacks() as sent:
            job = dashboards_request(municipality_id=world.municipality.pk)
    assert job.pk == waiting.pk
    waiting.refresh_from_db()
    assert waiting.not_before is None
    assert len(sent) == 1
    assert pending_refreshes(world.municipality).count() == 1


def test_without_a_quiet_period_every_save_refreshes_at_once(
    world, refreshed, settings, django_capture_on_commit_callbacks
):
    settings.BIP_DASHBOARDS_DELAY = 0
    sent = saves_at(
        world.municipality,
        refreshed + timedelta(seconds=1),
        django_capture_on_commit_callbacks,
    )
    assert pending_refreshes(world.municipality).get().not_before is None
    assert len(sent) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.timeout(60)
def test_two_saves_at_once_queue_one_refresh(settings):
    """A second request waits for the first one's transaction, then joins its job."""
    import threading
    import time

    from django.db import connection, connections

    from bip.jobs.models import Job
    from tests.factories import MunicipalityFactory

    settings.BIP_DASHBOARDS_DELAY = 300
    municipality = MunicipalityFactory()
    DashboardRefresh.objects.create(
        municipality=municipality,
        job_id=None,
        model_version=active_model(municipality_id=municipality.pk),
        computed_at=timezone.now(),
        rounds=0,
    )
    second_done = threading.Event()

    def second() -> None:
        try:
            after_scores(municipality.pk)
        finally:
            connections.close_all()
            second_done.set()

    def second_waits_for_a_lock() -> bool:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND NOT granted AND classid = %s AND objid = %s AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())",
                [REQUEST_LOCK, municipality.pk],
            )
            return cursor.fetchone()[0] > 0

    thread = threading.Thread(target=second)
    with transaction.atomic():
        after_scores(municipality.pk)  # the first: not committed yet
        thread.start()
        deadline = time.monotonic() + 20
        while not second_done.is_set() and not second_waits_for_a_lock():
            assert time.monotonic() < deadline, (
                "the second request neither ran nor waited"
            )
            second_done.wait(0.05)
    thread.join(20)
    assert second_done.is_set()
    assert connection.in_atomic_block is False
    assert (
        Job.objects.filter(
            kind="reports.dashboards", municipality=municipality, state="pending"
        ).count()
        == 1
    )

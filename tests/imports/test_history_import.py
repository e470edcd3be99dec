"""A municipality's history through the imports: case-worker changes from historic
rounds and from the assignments format reach the panel, a second import of the same
files changes nothing, a contradiction with stored history is reported per row and
nothing is written, and the order of the imports does not change the result."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import transaction

from bip.accounts.models import Role
from citizens.models import Assignment, Citizen, Enrolment
from citizens.services import assignment_change
from interventions.models import InterventionEpisode, Outcome
from measurements.models import Answer, Round
from measurements.scoring import fitting
from measurements.scoring.model import logit, quarterly_from_annual
from measurements.scoring.panel import build_panel
from measurements.synthetic import cohort as synthetic
from measurements.synthetic.files import cohort_files, to_csv
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
WORKERS = ("sb_anne", "sb_bo", "sb_carl")
KNOWN_UNTIL = "2026-11-01"


@pytest.fixture
def workers(world):
    users = []
    for name in WORKERS:
        user = UserFactory(username=name)
        MembershipFactory(
            user=user,
            role=Role.CASEWORKER,
            team=world.team,
            municipality=world.municipality,
            valid_from=date(2019, 1, 1),
        )
        users.append(user)
    return users


@pytest.fixture
def load(run_import, commit_import):
    """Check one file, assert the check found no errors, and save it."""

    def run(kind, content, **fields):
        batch = run_import(kind, content, **fields)
        problems = [(r.row_number, r.errors) for r in batch.rows.exclude(errors=[])]
        assert (problems[:5], batch.file_errors) == ([], [])
        if batch.rows_new == 0:
            return batch  # nothing new: a repeated file cannot be saved
        batch = commit_import(batch)
        assert batch.committed_at is not None, batch.commit_job.error
        return batch

    return run


def cohort(n=40, seed=3, annual=None):
    truth = synthetic.true_coefficients()
    if annual is not None:  # more jobs: more spells that an outcome closes
        truth = replace(truth, intercept=logit(quarterly_from_annual(annual)))
    return synthetic.generate(n_citizens=n, seed=seed, max_quarters=8, truth=truth)


def snapshot(municipality):
    """What the imports wrote, in a form that does not depend on ids or times."""
    name = dict(
        Citizen.objects.filter(municipality=municipality).values_list("pk", "name")
    )

    def spell(e):
        return (name[e.citizen_id], e.start)

    return {
        "enrolments": sorted(
            (name[e.citizen_id], e.start, e.end, e.end_reason)
            for e in Enrolment.objects.filter(municipality=municipality)
        ),
        "assignments": sorted(
            (*spell(a.enrolment), a.start, a.end, a.caseworker.username, a.source)
            for a in Assignment.objects.filter(
                municipality=municipality
            ).select_related("enrolment", "caseworker")
        ),
        "rounds": sorted(
            (*spell(r.enrolment), r.round_date, r.caseworker.username, r.team_id)
            for r in Round.objects.filter(municipality=municipality).select_related(
                "enrolment", "caseworker"
            )
        ),
        "answers": sorted(
            (
                *spell(a.response.round.enrolment),
                a.response.round.round_date,
                a.response.respondent,
                a.question_id,
                a.value,
            )
            for a in Answer.objects.filter(
                response__round__municipality=municipality
            ).select_related("response__round__enrolment")
        ),
        "episodes": sorted(
            (*spell(e.enrolment), e.type_id, e.start, e.end, e.hours_per_week)
            for e in InterventionEpisode.objects.filter(
                municipality=municipality
            ).select_related("enrolment")
        ),
        "outcomes": sorted(
            (
                name[o.citizen_id],
                o.kind,
                o.date,
                spell(o.enrolment) if o.enrolment else None,
            )
            for o in Outcome.objects.filter(municipality=municipality).select_related(
                "enrolment"
            )
        ),
        "current": sorted(
            (c.name, c.caseworker.username, c.team_id)
            for c in Citizen.objects.filter(municipality=municipality).select_related(
                "caseworker"
            )
        ),
    }


def test_changes_of_case_worker_in_historic_rounds_reach_the_panel(
    world, workers, load
):
    truth = cohort()
    files = cohort_files(truth, team=world.team.name, caseworkers=WORKERS)
    load("citizens", files.csv("citizens"))
    load("rounds", files.csv("rounds"))
    load("outcomes", files.csv("outcomes"), outcomes_known_until=KNOWN_UNTIL)

    panel = build_panel(municipality_id=world.municipality.pk, today=date(2026, 11, 1))
    names = dict(Citizen.objects.values_list("pk", "name"))
    got = {
        (int(names[c].rsplit(" ", 1)[1]), d): (cw, ev)
        for c, d, cw, ev in panel[
            ["citizen_id", "round_date", "cw_change", "event"]
        ].itertuples(index=False)
    }
    expected = {
        (c, d): (cw, ev)
        for c, d, cw, ev in truth.panel[
            ["citizen_id", "round_date", "cw_change", "event"]
        ].itertuples(index=False)
    }
    assert got == expected
    assert sum(cw for cw, _ev in got.values()) >= 5  # there were changes to find
    # each round names the file's case worker; the current one is the citizens file's
    for r in Round.objects.select_related("enrolment__citizen", "caseworker"):
        index = int(r.enrolment.citizen.name.rsplit(" ", 1)[1])
        assert r.caseworker.username == files.caseworker_at[(index, r.round_date)]
    for row in files.citizens[1:]:
        citizen = Citizen.objects.get(name=row[1])
        assert citizen.caseworker.username == row[3]
        last = Assignment.objects.filter(enrolment__citizen=citizen).latest("start")
        assert last.caseworker.username == row[3]


def test_the_exact_history_gives_the_same_changes(world, workers, load):
    truth = cohort(25, seed=8)
    files = cohort_files(truth, team=world.team.name, caseworkers=WORKERS)
    load("citizens", files.csv("citizens"))
    load("assignments", files.csv("assignments"))
    load("rounds", files.csv("rounds"))
    assert set(Assignment.objects.values_list("source", flat=True)) == {"exact"}
    panel = build_panel(municipality_id=world.municipality.pk, today=date(2026, 11, 1))
    assert panel["cw_change"].sum() == truth.panel["cw_change"].sum() > 0


def test_importing_the_same_files_again_changes_nothing(world, workers, load):
    files = cohort_files(cohort(20), team=world.team.name, caseworkers=WORKERS)
    load("citizens", files.csv("citizens"))
    load("rounds", files.csv("rounds"))
    load("assignments", files.csv("assignments"))
    before = snapshot(world.municipality)
    ids = sorted(Assignment.objects.values_list("pk", flat=True))
    for kind in ("assignments", "rounds"):
        again = load(kind, files.csv(kind))
        assert (again.rows_new, again.rows_error) == (0, 0)
        assert again.rows_same == again.rows_total > 0
    assert snapshot(world.municipality) == before
    assert sorted(Assignment.objects.values_list("pk", flat=True)) == ids


def test_a_round_that_contradicts_a_hand_entered_change_is_refused(
    world, workers, load, run_import, municipal_admin
):
    _anne, bo, _carl = workers
    files = cohort_files(cohort(6, seed=4), team=world.team.name, caseworkers=WORKERS)
    load("citizens", files.csv("citizens"))
    citizen = Citizen.objects.get(name=files.citizens[1][1])
    spell = citizen.enrolments.get()
    assignment_change(
        citizen=citizen,
        caseworker=bo,
        team=world.team,
        start=spell.start + timedelta(days=100),
        by=municipal_admin,
    )
    late = spell.start + timedelta(days=200)
    number = files.cpr_of[int(files.citizens[1][1].rsplit(" ", 1)[1])]
    rows = [
        files.rounds[0],
        [number, f"{late:%d-%m-%Y}", "sagsbehandler", "cw_job_belief", "4", "sb_anne"],
        [number, f"{late:%d-%m-%Y}", "sagsbehandler", "goal_directed", "3", "sb_anne"],
    ]
    rounds_before = Round.objects.count()
    batch = run_import("rounds", to_csv(rows))
    errors = [e for r in batch.rows.order_by("row_number") for e in r.errors]
    assert len(errors) == 2
    assert all(e["column"] == "caseworker" for e in errors)
    assert bo.get_full_name() in errors[0]["problem"]
    assert not batch.can_commit
    assert Round.objects.count() == rounds_before


def test_two_case_workers_for_one_round_are_refused(world, workers, load, run_import):
    files = cohort_files(cohort(3, seed=5), team=world.team.name, caseworkers=WORKERS)
    load("citizens", files.csv("citizens"))
    first, second = files.rounds[1], list(files.rounds[2])
    second[5] = "sb_carl" if first[5] != "sb_carl" else "sb_bo"
    batch = run_import("rounds", to_csv([files.rounds[0], first, second]))
    problems = {e["problem"] for r in batch.rows.all() for e in r.errors}
    assert problems == {"Der er angivet to sagsbehandlere for samme måling."}


def test_the_order_of_the_imports_does_not_matter(world, workers, load):
    files = cohort_files(
        cohort(30, seed=11, annual=0.5),
        team=world.team.name,
        caseworkers=WORKERS,
        after_outcome=True,
    )
    assert len(files.outcomes) > 3  # spells that an outcome closes
    load("citizens", files.csv("citizens"))

    def run(order):
        for kind in order:
            extra = {"outcomes_known_until": KNOWN_UNTIL} if kind == "outcomes" else {}
            load(kind, files.csv(kind), **extra)
        return snapshot(world.municipality)

    with transaction.atomic():
        outcomes_first = run(("outcomes", "episodes", "rounds"))
        transaction.set_rollback(True)
    rounds_first = run(("rounds", "episodes", "outcomes"))
    assert outcomes_first == rounds_first
    # the rows after a job were kept with the spell the job closed
    closed = list(Enrolment.objects.filter(end_reason="job"))
    assert closed
    assert all(
        InterventionEpisode.objects.filter(enrolment=e, start__gt=e.end).exists()
        and Round.objects.filter(enrolment=e, round_date__gt=e.end).exists()
        for e in closed
    )


def test_a_local_fit_on_imported_history_finds_the_case_worker_change_effect(
    world, workers, load
):
    """The effect of a change of case worker survives the import: the cohort's truth
    has a strong one (odds x0.37), the files carry it only as each round's case
    worker, and the local fit's 95% interval covers the truth and excludes 0."""
    truth = synthetic.true_coefficients()
    truth = replace(
        truth,
        intercept=logit(quarterly_from_annual(0.45)),
        features={**truth.features, "cw_change": -1.0},
    )
    generated = synthetic.generate(n_citizens=900, seed=17, max_quarters=8, truth=truth)
    files = cohort_files(generated, team=world.team.name, caseworkers=WORKERS)
    load("citizens", files.csv("citizens"))
    load("rounds", files.csv("rounds"))
    load("outcomes", files.csv("outcomes"), outcomes_known_until=KNOWN_UNTIL)

    panel = build_panel(municipality_id=world.municipality.pk, today=date(2026, 11, 1))
    assert panel["cw_change"].sum() == generated.panel["cw_change"].sum()
    fit = fitting.fit_local(panel)
    estimate, se = fit.params["cw_change"], fit.se["cw_change"]
    low, high = estimate - 1.96 * se, estimate + 1.96 * se
    assert low < -1.0 < high
    assert high < 0

"""Synthetic demo data: an organisation with a user per role, a caseload per team with
rounds, interventions and outcomes, a team of synthetic citizens for model fits, and a
second small municipality that proves isolation. Fixed seed; no real person's data.
This module decides the demo's shape; measurements.synthetic writes the data."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field, replace
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Exists, OuterRef

from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User
from bip.jobs.models import Job
from bip.jobs.services import hasten, job_run
from measurements.models import Round, Score
from measurements.scoring import associations
from measurements.scoring.model import logit, quarterly_from_annual
from measurements.scoring.recompute import scores_request
from measurements.synthetic.caseload import caseload_spells, open_target_groups
from measurements.synthetic.cohort import generate, true_coefficients
from measurements.synthetic.episodes import Catalogue
from measurements.synthetic.people import FIRST_NAMES, LAST_NAMES
from measurements.synthetic.writer import write_cohort, write_spells
from reports.aggregates import KIND as DASHBOARDS_JOB
from reports.aggregates import dashboards_request
from reports.models import DashboardRefresh

DEMO_PASSWORD = "demo-bip-2026"  # noqa: S105 - printed for the demo, never in production


@dataclass
class DemoLogin:
    username: str
    role: str
    where: str


@dataclass
class DemoResult:
    logins: list[DemoLogin] = field(default_factory=list)
    citizens: int = 0
    created: bool = True


@functools.cache
def _password_hash() -> str:
    # every demo user has the printed password: hashing it once saves the demo's
    # load about half a second a user
    return make_password(DEMO_PASSWORD)


def _user(username: str, first: str, last: str, **extra: object) -> User:
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@demo.invalid",
        password=_password_hash(),
        **extra,
    )
    user.save()
    return user


def _caseload(
    rng: random.Random, team: Team, workers: list[User], n: int, today: date
) -> int:
    """`n` citizens of the team, spread over its case workers."""
    spells = caseload_spells(
        rng,
        n=n,
        caseworkers=[w.pk for w in workers],
        today=today,
        target_groups=open_target_groups(),
        catalogue=Catalogue.load(),
    )
    return len(write_spells(spells, team=team).citizens)


@transaction.atomic
def load_demo(
    *, citizens_per_team: int = 75, seed: int = 2026, cohort_citizens: int = 0
) -> DemoResult:
    if Municipality.objects.filter(code="0990").exists():
        return DemoResult(created=False, logins=demo_logins())
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    result = DemoResult()
    today = date.today()  # noqa: DTZ011 - the demo is dated relative to the local day
    start = date(2020, 1, 1)
    muni = Municipality.objects.create(code="0990", name="Bækkelund Kommune")
    layout = {
        "Jobcenter Bækkelund Nord": ["Team Ung", "Team Sundhed"],
        "Jobcenter Bækkelund Syd": ["Team Job", "Team Ressource"],
    }
    n_caseworker = 0
    for leader_no, (unit_name, team_names) in enumerate(layout.items(), start=1):
        unit = Unit.objects.create(municipality=muni, name=unit_name)
        leader = _user(
            f"teamleder{leader_no}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        )
        result.logins.append(DemoLogin(leader.username, "team leader", unit_name))
        for team_name in team_names:
            team = Team.objects.create(unit=unit, municipality=muni, name=team_name)
            Membership.objects.create(
                user=leader,
                municipality=muni,
                team=team,
                role=Role.TEAM_LEADER,
                valid_from=start,
            )
            workers = []
            for _ in range(3):
                n_caseworker += 1
                u = _user(
                    f"sagsbehandler{n_caseworker}",
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                )
                Membership.objects.create(
                    user=u,
                    municipality=muni,
                    team=team,
                    role=Role.CASEWORKER,
                    valid_from=start,
                )
                workers.append(u)
                result.logins.append(DemoLogin(u.username, "case worker", team_name))
            if leader_no == 1 and team_name == team_names[0]:
                # a team leader with a caseload of their own: two roles
                Membership.objects.create(
                    user=leader,
                    municipality=muni,
                    team=team,
                    role=Role.CASEWORKER,
                    valid_from=start,
                )
                workers.append(leader)
            result.citizens += _caseload(rng, team, workers, citizens_per_team, today)
    admin = _user("admin", "Karin", "Kommunesen")
    Membership.objects.create(
        user=admin, municipality=muni, role=Role.MUNICIPAL_ADMIN, valid_from=start
    )
    analyst = _user("analytiker", "Anders", "Analytiker")
    Membership.objects.create(
        user=analyst, municipality=muni, role=Role.ANALYST, valid_from=start
    )
    result.logins += [
        DemoLogin("admin", "municipal admin", muni.name),
        DemoLogin("analytiker", "analyst", muni.name),
    ]
    _user("systemadmin", "Sys", "Admin", is_staff=True, is_superuser=True)
    result.logins.append(DemoLogin("systemadmin", "system admin", "installation"))
    if cohort_citizens:
        result.citizens += _synthetic_team(muni, start, cohort_citizens, seed, result)

    # A second, small municipality: nobody above may ever see it.
    small = Municipality.objects.create(code="0991", name="Fjordby Kommune")
    small_unit = Unit.objects.create(municipality=small, name="Jobcenter Fjordby")
    small_team = Team.objects.create(
        unit=small_unit, municipality=small, name="Team Fjord"
    )
    fw = _user("fjordby-sagsbehandler", "Freja", "Fjord")
    Membership.objects.create(
        user=fw,
        municipality=small,
        team=small_team,
        role=Role.CASEWORKER,
        valid_from=start,
    )
    fa = _user("fjordby-admin", "Frode", "Fjord")
    Membership.objects.create(
        user=fa, municipality=small, role=Role.MUNICIPAL_ADMIN, valid_from=start
    )
    result.logins += [
        DemoLogin(fw.username, "case worker", small.name),
        DemoLogin(fa.username, "municipal admin", small.name),
    ]
    result.citizens += _caseload(rng, small_team, [fw], 10, today)
    return result


def demo_logins() -> list[DemoLogin]:
    out = []
    for m in (
        Membership.objects.filter(user__email__endswith="@demo.invalid")
        .select_related("user", "team", "municipality")
        .order_by("municipality__code", "role", "user__username")
    ):
        out.append(
            DemoLogin(
                m.user.username, m.get_role_display(), str(m.team or m.municipality)
            )
        )
    if User.objects.filter(username="systemadmin").exists():
        out.append(DemoLogin("systemadmin", "system admin", "installation"))
    return out


def _synthetic_team(
    muni: Municipality, start: date, n: int, seed: int, result: DemoResult
) -> int:
    """A team of synthetic citizens with enough job starts for a local model fit, so
    the models page can be tried in the demo (names say they are synthetic)."""
    unit = Unit.objects.get(municipality=muni, name="Jobcenter Bækkelund Syd")
    team = Team.objects.create(
        unit=unit, municipality=muni, name="Team Analyse (syntetiske data)"
    )
    workers = []
    for number in (13, 14):
        u = _user(f"sagsbehandler{number}", "Syntetisk", f"Sagsbehandler {number}")
        Membership.objects.create(
            user=u, municipality=muni, team=team, role=Role.CASEWORKER, valid_from=start
        )
        workers.append(u)
        result.logins.append(DemoLogin(u.username, "case worker", team.name))
    truth = replace(true_coefficients(), intercept=logit(quarterly_from_annual(0.25)))
    cohort = generate(n_citizens=n, seed=seed, truth=truth)
    return len(write_cohort(cohort, team=team, caseworkers=workers, seed=seed))


def score_demo() -> int:
    """Score every complete round of the demo and compute the associations, here and
    now (the same jobs a worker runs), so the demo opens with scores. Returns the
    number of rounds scored; nothing to do if every round has a current score."""
    current = Score.objects.filter(round=OuterRef("pk"), superseded_at__isnull=True)
    unscored = (
        Round.objects.filter(state=Round.State.COMPLETE)
        .filter(~Exists(current))
        .values_list("municipality_id", flat=True)
        .distinct()
    )
    total = 0
    for municipality_id in sorted(set(unscored)):
        with transaction.atomic():
            job = scores_request(municipality_id=municipality_id, trigger="demo")
        job_run(job_id=job.pk)
        job.refresh_from_db()
        total += job.progress
        for pending in Job.objects.filter(
            kind=associations.KIND,
            municipality_id=municipality_id,
            state=Job.State.PENDING,
        ):
            job_run(job_id=pending.pk)
    return total


def dashboards_demo() -> int:
    """Compute the dashboards of every municipality with rounds, here and now (the
    job a worker runs after the scores change and every night), so a team leader
    lands on figures at the first sign-in: the refreshes the scores asked for, and
    one for a municipality without any yet. Returns the number of refreshes."""
    with_rounds = set(
        Round.objects.filter(state=Round.State.COMPLETE)
        .values_list("municipality_id", flat=True)
        .distinct()
    )
    refreshed = set(
        DashboardRefresh.objects.values_list("municipality_id", flat=True).distinct()
    )
    for municipality_id in sorted(with_rounds - refreshed):
        with transaction.atomic():
            dashboards_request(municipality_id=municipality_id)
    done = 0
    for pending in Job.objects.filter(
        kind=DASHBOARDS_JOB, state=Job.State.PENDING
    ).order_by("pk"):
        with transaction.atomic():
            hasten(pending)  # one waiting out its quiet period runs now too
        job_run(job_id=pending.pk)
        pending.refresh_from_db()
        done += pending.state == Job.State.DONE
    return done

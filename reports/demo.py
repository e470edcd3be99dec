"""Synthetic demo data: an organisation with a user per role, citizens spread over the
case workers, and a second small municipality that proves isolation. Fixed seed; no
real person's data. Later features extend it (rounds, interventions, outcomes)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction

from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User
from citizens import cpr
from citizens.models import Assignment, Citizen, Enrolment, TargetGroup
from interventions.models import InterventionEpisode, Outcome
from interventions.synthetic import draw_mix, episodes_for_rounds
from measurements.models import Answer, Respondent, Response, Round
from measurements.services import instrument_current

DEMO_PASSWORD = "demo-bip-2026"  # noqa: S105 - printed for the demo, never in production
FIRST_NAMES = [
    "Anna",
    "Mette",
    "Hanne",
    "Lene",
    "Camilla",
    "Louise",
    "Sofie",
    "Emma",
    "Ida",
    "Maria",
    "Fatima",
    "Ayse",
    "Zainab",
    "Peter",
    "Jens",
    "Lars",
    "Mikkel",
    "Rasmus",
    "Søren",
    "Niels",
    "Mads",
    "Anders",
    "Ahmad",
    "Mohammed",
    "Ali",
    "Jonas",
    "Kasper",
    "Frederik",
    "Henrik",
    "Bo",
    "Birgit",
    "Inge",
    "Karen",
    "Sanne",
    "Malene",
    "Helle",
    "Tobias",
    "Emil",
]
LAST_NAMES = [
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Knudsen",
    "Møller",
    "Mortensen",
    "Østergaard",
    "Ærenlund",
    "Ahmadi",
    "Yilmaz",
    "Hussein",
    "Kowalski",
    "Frandsen",
]


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


def _cpr_for(rng: random.Random, born: date) -> str:
    while True:
        seventh = rng.choice("0123") if born.year < 2000 else "4"
        digits = f"{born:%d%m%y}{seventh}{rng.randrange(1000):03d}"
        if cpr.modulus11_ok(digits):
            return digits


def _user(username: str, first: str, last: str, **extra: object) -> User:
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@demo.invalid",
        **extra,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _citizens(
    rng: random.Random, team: Team, caseworkers: list[User], n: int, today: date
) -> int:
    rows = []
    seen: set[str] = set()
    while len(rows) < n:
        born = date(
            1962 + rng.randrange(42), 1 + rng.randrange(12), 1 + rng.randrange(28)
        )
        digits = _cpr_for(rng, born)
        if digits in seen:
            continue
        seen.add(digits)
        c = Citizen(
            municipality_id=team.municipality_id,
            team=team,
            caseworker=rng.choice(caseworkers),
        )
        c.set_cpr(cpr.parse(digits))
        c.set_name(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
        rows.append(c)
    Citizen.objects.bulk_create(rows, batch_size=500)
    created = list(Citizen.objects.filter(team=team).order_by("pk"))
    _enrol_and_measure(rng, created, team, caseworkers, today)
    return len(rows)


# How a quarter's interventions move the demo's latent readiness (BIP: quarters without
# an intervention go with regression; job-directed ones with progress, most when in
# parallel with another group). Synthetic: it lets the associations page show it.
MIX_DRIFT = {"none": -0.12, "other_only": 0.0, "job_only": 0.10, "job_parallel": 0.15}
TRAJECTORIES = (
    ("progress", 0.43, 0.09),
    ("standstill", 0.35, 0.0),
    ("regress", 0.22, -0.07),
)


def _trajectory(rng: random.Random) -> float:
    x = rng.random()
    for _name, share, slope in TRAJECTORIES:
        if x < share:
            return slope
        x -= share
    return 0.0


def _enrol_and_measure(
    rng: random.Random,
    citizens: list[Citizen],
    team: Team,
    caseworkers: list[User],
    today: date,
) -> None:
    """Enrolments, case-worker history and 1-4 years of quarterly rounds whose answers
    move plausibly: some citizens progress, some stand still, some regress."""
    version = instrument_current(municipality_id=team.municipality_id)
    questions = list(version.questions.order_by("order"))
    groups = list(TargetGroup.objects.filter(valid_to__isnull=True).order_by("code"))
    main_group = next(g for g in groups if g.code == "kontant_aktivitetsparat")
    enrolments, assignments = [], []
    plans = []
    for c in citizens:
        start = today - timedelta(days=rng.randrange(365, 4 * 365))
        group = main_group if rng.random() < 0.6 else rng.choice(groups)
        enrolments.append(
            Enrolment(
                citizen=c,
                municipality_id=c.municipality_id,
                unit_id=team.unit_id,
                team=team,
                target_group=group,
                start=start,
            )
        )
    Enrolment.objects.bulk_create(enrolments, batch_size=500)
    for c, e in zip(citizens, enrolments, strict=True):
        first = c.caseworker
        if rng.random() < 0.25 and len(caseworkers) > 1:
            # a change of case worker part-way: the change itself is a predictor
            switch = e.start + timedelta(
                days=rng.randrange(120, max(121, (today - e.start).days))
            )
            before = rng.choice([w for w in caseworkers if w.pk != c.caseworker_id])
            assignments.append(
                Assignment(
                    enrolment=e,
                    municipality_id=c.municipality_id,
                    caseworker=before,
                    team=team,
                    start=e.start,
                    end=switch,
                )
            )
            assignments.append(
                Assignment(
                    enrolment=e,
                    municipality_id=c.municipality_id,
                    caseworker=first,
                    team=team,
                    start=switch,
                )
            )
        else:
            assignments.append(
                Assignment(
                    enrolment=e,
                    municipality_id=c.municipality_id,
                    caseworker=first,
                    team=team,
                    start=e.start,
                )
            )
        plans.append((c, e))
    Assignment.objects.bulk_create(assignments, batch_size=500)
    history = {}
    for a in assignments:
        history.setdefault(a.enrolment_id, []).append(a)

    rounds, round_meta, mixes = [], [], []
    for c, e in plans:
        level = rng.gauss(2.5, 0.5)
        slope = _trajectory(rng)
        offsets = {q.indicator: rng.gauss(0, 0.4) for q in questions}
        # about one in five is overdue: the last round lies more than a quarter back
        stop = today - timedelta(
            days=rng.randrange(100, 200) if rng.random() < 0.2 else rng.randrange(0, 80)
        )
        day = e.start + timedelta(days=rng.randrange(0, 20))
        k = 0
        drift = 0.0
        while day <= stop:
            mix = draw_mix(rng)
            if k > 0:  # the baseline round has no quarter of interventions before it
                drift += MIX_DRIFT[mix]
            mixes.append(mix)
            assignment = next(
                a
                for a in sorted(history[e.pk], key=lambda a: a.start, reverse=True)
                if a.start <= day
            )
            rounds.append(
                Round(
                    enrolment=e,
                    municipality_id=c.municipality_id,
                    instrument_version=version,
                    state=Round.State.COMPLETE,
                    round_date=day,
                    team=team,
                    caseworker_id=assignment.caseworker_id,
                    target_group=e.target_group,
                    both_in_on=day,
                    created_by_id=assignment.caseworker_id,
                )
            )
            round_meta.append((level + slope * k + drift, offsets, rng.random() < 0.2))
            k += 1
            day += timedelta(days=rng.randrange(80, 105))
    Round.objects.bulk_create(rounds, batch_size=500)
    responses, meta_by_response = [], []
    for r, (latent, offsets, citizen_missing) in zip(rounds, round_meta, strict=True):
        for respondent in Respondent.values:
            submitted = respondent == Respondent.CASEWORKER or not citizen_missing
            responses.append(
                Response(
                    round=r,
                    respondent=respondent,
                    state=Response.State.SUBMITTED
                    if submitted
                    else Response.State.DRAFT,
                    channel=Response.Channel.LINK
                    if respondent == Respondent.CITIZEN and rng.random() < 0.3
                    else Response.Channel.SCREEN,
                    submitted_at=datetime.combine(
                        r.round_date, datetime.min.time(), tzinfo=UTC
                    )
                    if submitted
                    else None,
                    submitted_by_id=r.caseworker_id if submitted else None,
                )
            )
            meta_by_response.append((latent, offsets, submitted))
    Response.objects.bulk_create(responses, batch_size=1000)
    answers = []
    for resp, (latent, offsets, submitted) in zip(
        responses, meta_by_response, strict=True
    ):
        if not submitted:
            continue
        bias = 0.3 if resp.respondent == Respondent.CITIZEN else 0.0
        for q in questions:
            if q.respondent != resp.respondent:
                continue
            if rng.random() < 0.03:
                answers.append(
                    Answer(
                        response=resp,
                        question=q,
                        value=None,
                        missing_reason=rng.choice(["dont_know", "declined"]),
                    )
                )
                continue
            value = round(latent + bias + offsets[q.indicator] + rng.gauss(0, 0.45))
            answers.append(
                Answer(response=resp, question=q, value=min(5, max(1, value)))
            )
    Answer.objects.bulk_create(answers, batch_size=2000)
    _interventions_and_outcomes(rng, rounds, round_meta, mixes, today)


def _interventions_and_outcomes(
    rng: random.Random,
    rounds: list[Round],
    meta: list[tuple[float, Any, bool]],
    mixes: list[str],
    today: date,
) -> None:
    episodes = episodes_for_rounds(rng, rounds, mixes)
    outcomes, last = [], {}
    for r, (latent, _offsets, _missing) in zip(rounds, meta, strict=True):
        last[r.enrolment_id] = (r, latent)
    InterventionEpisode.objects.bulk_create(episodes, batch_size=1000)
    ended = []
    for enrolment_id, (r, latent) in last.items():
        # the more ready the citizen, the likelier a job or education after the last round
        chance = 0.05 + max(0.0, latent - 2.5) * 0.25
        day = r.round_date + timedelta(days=rng.randrange(20, 80))
        if day <= today and rng.random() < chance:
            kind = "job" if rng.random() < 0.75 else "education"
            outcomes.append(
                Outcome(
                    citizen_id=r.enrolment.citizen_id,
                    enrolment_id=enrolment_id,
                    municipality_id=r.municipality_id,
                    kind=kind,
                    date=day,
                )
            )
            ended.append((enrolment_id, day, kind))
        elif day <= today and rng.random() < 0.05:
            outcomes.append(
                Outcome(
                    citizen_id=r.enrolment.citizen_id,
                    enrolment_id=enrolment_id,
                    municipality_id=r.municipality_id,
                    kind="subsidised_job",
                    date=day,
                )
            )
    Outcome.objects.bulk_create(outcomes, batch_size=1000)
    for enrolment_id, day, kind in ended:
        Enrolment.objects.filter(pk=enrolment_id).update(end=day, end_reason=kind)
        Assignment.objects.filter(enrolment_id=enrolment_id, end__isnull=True).update(
            end=day
        )


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
            result.citizens += _citizens(rng, team, workers, citizens_per_team, today)
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
    result.citizens += _citizens(rng, small_team, [fw], 10, today)
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
    from dataclasses import replace

    from measurements.scoring.model import logit, quarterly_from_annual
    from measurements.scoring.synthetic import generate, true_coefficients
    from measurements.scoring.synthetic_db import write_cohort

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
    return len(
        write_cohort(cohort, team=team, caseworkers=workers, by=workers[0], seed=seed)
    )


def score_demo() -> int:
    """Score every complete round of the demo and compute the associations, here and
    now (the same jobs a worker runs), so the demo opens with scores. Returns the
    number of rounds scored; nothing to do if every round has a current score."""
    from django.db.models import Exists, OuterRef

    from bip.jobs.models import Job
    from bip.jobs.services import job_run
    from measurements.models import Round, Score
    from measurements.scoring import associations
    from measurements.scoring.recompute import scores_request

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

"""Synthetic demo data: an organisation with a user per role, citizens spread over the
case workers, and a second small municipality that proves isolation. Fixed seed; no
real person's data. Later features extend it (rounds, interventions, outcomes)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User
from citizens import cpr
from citizens.models import Citizen

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


def _citizens(rng: random.Random, team: Team, caseworkers: list[User], n: int) -> int:
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
    return len(rows)


@transaction.atomic
def load_demo(*, citizens_per_team: int = 75, seed: int = 2026) -> DemoResult:
    if Municipality.objects.filter(code="0990").exists():
        return DemoResult(created=False, logins=demo_logins())
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    result = DemoResult()
    start = date(2023, 1, 1)
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
            result.citizens += _citizens(rng, team, workers, citizens_per_team)
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
    result.citizens += _citizens(rng, small_team, [fw], 10)
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

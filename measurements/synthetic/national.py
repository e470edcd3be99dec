"""National scale for `make bench`: many municipalities of different sizes, each with
units, teams and case workers, and citizens whose spells have exactly the number of
rounds asked for in all (answers that move plausibly, a change of case worker for
some, interventions with BIP's shares of quarters, jobs and education for the most
ready), written through `writer` team by team so memory stays bounded."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User
from measurements.scoring import features as F
from measurements.synthetic.caseload import (
    MAIN_GROUP,
    MIX_DRIFT,
    _answers,
    _outcome,
    _trajectory,
    open_target_groups,
)
from measurements.synthetic.episodes import Catalogue, draw_mix, episodes_before
from measurements.synthetic.people import random_name
from measurements.synthetic.records import RoundSpec, Spell
from measurements.synthetic.writer import write_spells

CITIZENS_PER_CASEWORKER = 40
CITIZENS_PER_TEAM = 400
TEAMS_PER_UNIT = 4


@dataclass(frozen=True)
class NationalSize:
    municipalities: int
    citizens: int
    rounds: int


def split(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """`total` split by `weights`, each part at least `minimum`, summing exactly."""
    n = len(weights)
    if total < minimum * n:
        raise ValueError(f"{total} cannot give {n} parts of at least {minimum}")
    rest = total - minimum * n
    scale = sum(weights)
    parts = [minimum + int(rest * w / scale) for w in weights]
    for i in range(total - sum(parts)):  # the rounding's remainder, largest first
        parts[sorted(range(n), key=lambda j: -weights[j])[i % n]] += 1
    return parts


def rounds_per_spell(rng: random.Random, spells: int, rounds: int) -> list[int]:
    """How many rounds each spell gets: between 1 and twice the mean, summing to
    `rounds` exactly (short and long spells side by side)."""
    if rounds < spells:
        raise ValueError("every spell needs at least one round")
    mean = rounds // spells
    counts = [mean] * spells
    for i in range(rounds - mean * spells):
        counts[i % spells] += 1
    for _ in range(spells // 2):  # move rounds from one spell to another
        a, b = rng.randrange(spells), rng.randrange(spells)
        moved = rng.randrange(0, counts[a])  # never below one round
        counts[a] -= moved
        counts[b] += moved
    return counts


def national_spell(
    rng: random.Random,
    *,
    n_rounds: int,
    caseworkers: Sequence[int],
    today: date,
    target_groups: Sequence[str],
    catalogue: Catalogue,
) -> Spell:
    """One citizen's spell with exactly `n_rounds` rounds about a quarter apart, the
    last one within the past year."""
    born = date(1962 + rng.randrange(42), 1 + rng.randrange(12), 1 + rng.randrange(28))
    current = rng.choice(caseworkers)
    last = today - timedelta(days=rng.randrange(0, 365))
    start = last - timedelta(days=(n_rounds - 1) * 92 + rng.randrange(0, 20))
    group = MAIN_GROUP if rng.random() < 0.6 else rng.choice(target_groups)
    assignments: list[tuple[int, date, date | None]] = [(current, start, None)]
    if n_rounds > 1 and rng.random() < 0.25 and len(caseworkers) > 1:
        switch = start + timedelta(days=rng.randrange(30, max(31, (last - start).days)))
        before = rng.choice([w for w in caseworkers if w != current])
        assignments = [(before, start, switch), (current, switch, None)]
    spell = Spell(
        name=random_name(rng),
        born=born,
        target_group=group,
        start=start,
        assignments=assignments,
    )
    level = rng.gauss(2.5, 0.5)
    slope = _trajectory(rng)
    offsets = [rng.gauss(0, 0.4) for _ in F.CASEWORKER_INDICATORS]
    cit_offsets = [
        offsets[F.CASEWORKER_INDICATORS.index(code)] for code in F.CITIZEN_INDICATORS
    ]
    day = start + timedelta(days=rng.randrange(0, 10))
    drift, latent = 0.0, level
    for k in range(n_rounds):
        mix = draw_mix(rng)
        if k > 0:
            drift += MIX_DRIFT[mix]
        worker = next(w for w, since, _end in reversed(assignments) if since <= day)
        latent = level + slope * k + drift
        citizen_part = rng.random() >= 0.2
        spell.rounds.append(
            RoundSpec(
                day=day,
                caseworker=worker,
                cw=_answers(rng, latent, offsets),
                cit=_answers(rng, latent + 0.3, cit_offsets) if citizen_part else None,
                cit_channel="link" if rng.random() < 0.3 else "screen",
            )
        )
        spell.episodes += episodes_before(
            rng,
            catalogue,
            mix=mix,
            round_date=day,
            spell_start=start,
            created_by=worker,
        )
        day += timedelta(days=rng.randrange(85, 100))
    _outcome(rng, spell, latent, today)
    return spell


def write_national(
    size: NationalSize,
    *,
    seed: int = 2026,
    today: date = date(2026, 11, 1),
    progress: Callable[[str], None] | None = None,
) -> None:
    """The whole country into an empty database: municipalities of skewed sizes
    (a few large, many small), units of up to four teams of about 400 citizens, a
    case worker per 40 citizens with a membership in the team."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    groups = open_target_groups()
    catalogue = Catalogue.load()
    weights = [rng.lognormvariate(0.0, 0.9) for _ in range(size.municipalities)]
    citizens = split(size.citizens, weights, minimum=50)
    if size.rounds < size.citizens:
        raise ValueError("every citizen needs at least one round")
    rounds = split(size.rounds, citizens)
    for m, (n_citizens, n_rounds) in enumerate(zip(citizens, rounds, strict=True)):
        muni = Municipality.objects.create(
            code=f"{101 + m:04d}", name=f"Benchkommune {101 + m}"
        )
        n_teams = max(1, round(n_citizens / CITIZENS_PER_TEAM))
        team_citizens = split(n_citizens, [1.0] * n_teams)
        team_rounds = split(n_rounds, team_citizens)
        units = [
            Unit.objects.create(municipality=muni, name=f"Jobcenter {u + 1}")
            for u in range(-(-n_teams // TEAMS_PER_UNIT))
        ]
        for t, (tc, tr) in enumerate(zip(team_citizens, team_rounds, strict=True)):
            unit = units[t // TEAMS_PER_UNIT]
            team = Team.objects.create(
                unit=unit, municipality=muni, name=f"Team {t + 1}"
            )
            workers = User.objects.bulk_create(
                User(
                    username=f"sb-{muni.code}-{t + 1}-{w + 1}",
                    first_name=random_name(rng).split()[0],
                    email=f"sb-{muni.code}-{t + 1}-{w + 1}@bench.invalid",
                )
                for w in range(max(1, round(tc / CITIZENS_PER_CASEWORKER)))
            )
            Membership.objects.bulk_create(
                Membership(
                    user=w,
                    municipality=muni,
                    unit=unit,
                    team=team,
                    role=Role.CASEWORKER,
                    valid_from=date(2015, 1, 1),
                )
                for w in workers
            )
            ids = [w.pk for w in workers]
            spells = [
                national_spell(
                    rng,
                    n_rounds=k,
                    caseworkers=ids,
                    today=today,
                    target_groups=groups,
                    catalogue=catalogue,
                )
                for k in rounds_per_spell(rng, tc, tr)
            ]
            write_spells(spells, team=team)
        if progress:
            progress(f"{m + 1}/{size.municipalities}: {muni.code}, {n_rounds} rounds")

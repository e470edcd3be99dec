"""A team's caseload as the demo shows it: citizens with 1-4 years of quarterly rounds
whose answers move plausibly (some progress, some stand still, some regress), a change
of case worker for some, interventions with BIP's shares of quarters that move the
answers as BIP found, and jobs or education for the most ready."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from citizens.models import TargetGroup
from measurements.scoring import features as F
from measurements.synthetic.episodes import Catalogue, draw_mix, episodes_before
from measurements.synthetic.people import random_name
from measurements.synthetic.records import OutcomeSpec, Part, RoundSpec, Spell

MAIN_GROUP = "kontant_aktivitetsparat"
# How a quarter's interventions move the latent readiness (BIP: quarters without an
# intervention go with regression; job-directed ones with progress, most when in
# parallel with another group). Synthetic: it lets the associations page show it.
MIX_DRIFT = {"none": -0.12, "other_only": 0.0, "job_only": 0.10, "job_parallel": 0.15}
TRAJECTORIES = (
    ("progress", 0.43, 0.09),
    ("standstill", 0.35, 0.0),
    ("regress", 0.22, -0.07),
)
MISSING_REASONS = ("dont_know", "declined")


def open_target_groups() -> list[str]:
    return list(
        TargetGroup.objects.filter(valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


def caseload_spells(
    rng: random.Random,
    *,
    n: int,
    caseworkers: Sequence[int],
    today: date,
    target_groups: Sequence[str],
    catalogue: Catalogue,
) -> list[Spell]:
    return [_spell(rng, caseworkers, today, target_groups, catalogue) for _ in range(n)]


def _trajectory(rng: random.Random) -> float:
    x = rng.random()
    for _name, share, slope in TRAJECTORIES:
        if x < share:
            return slope
        x -= share
    return 0.0


def _spell(
    rng: random.Random,
    caseworkers: Sequence[int],
    today: date,
    target_groups: Sequence[str],
    catalogue: Catalogue,
) -> Spell:
    born = date(1962 + rng.randrange(42), 1 + rng.randrange(12), 1 + rng.randrange(28))
    current = rng.choice(caseworkers)
    start = today - timedelta(days=rng.randrange(365, 4 * 365))
    group = MAIN_GROUP if rng.random() < 0.6 else rng.choice(target_groups)
    assignments: list[tuple[int, date, date | None]] = [(current, start, None)]
    if rng.random() < 0.25 and len(caseworkers) > 1:
        # a change of case worker part-way: the change itself is a predictor
        switch = start + timedelta(
            days=rng.randrange(120, max(121, (today - start).days))
        )
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
    # about one in five is overdue: the last round lies more than a quarter back
    stop = today - timedelta(
        days=rng.randrange(100, 200) if rng.random() < 0.2 else rng.randrange(0, 80)
    )
    day = start + timedelta(days=rng.randrange(0, 20))
    k, drift, latent = 0, 0.0, level
    while day <= stop:
        mix = draw_mix(rng)
        if k > 0:  # the baseline round has no quarter of interventions before it
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
        k += 1
        day += timedelta(days=rng.randrange(80, 105))
    if spell.rounds:
        _outcome(rng, spell, latent, today)
    return spell


def _answers(rng: random.Random, latent: float, offsets: list[float]) -> Part:
    values: list[int | str] = []
    for offset in offsets:
        if rng.random() < 0.03:
            values.append(rng.choice(MISSING_REASONS))
        else:
            value = round(latent + offset + rng.gauss(0, 0.45))
            values.append(min(5, max(1, value)))
    return tuple(values)


def _outcome(rng: random.Random, spell: Spell, latent: float, today: date) -> None:
    """The more ready the citizen at the last round, the likelier a job or education
    after it; now and then a subsidised job, which does not end the spell."""
    chance = 0.05 + max(0.0, latent - 2.5) * 0.25
    day = spell.rounds[-1].day + timedelta(days=rng.randrange(20, 80))
    if day > today:
        return
    if rng.random() < chance:
        kind = "job" if rng.random() < 0.75 else "education"
        spell.outcomes.append(OutcomeSpec(kind, day))
        spell.close(day, kind)
    elif rng.random() < 0.05:
        spell.outcomes.append(OutcomeSpec("subsidised_job", day))

"""Spells of equal length with random answers: volume for the score benchmark and the
tests of batched jobs, where the answers need not move plausibly."""

from __future__ import annotations

import random
from datetime import date, timedelta

from measurements.scoring import features as F
from measurements.synthetic.records import RoundSpec, Spell


def uniform_spells(
    *,
    n: int,
    caseworker: int,
    per_spell: int = 5,
    seed: int = 7,
    start: date = date(2023, 1, 2),
    first_round: date = date(2023, 1, 10),
    name: str = "Testborger",
    target_group: str = "kontant_aktivitetsparat",
    channel: str = "screen",
) -> list[Spell]:
    """`n` citizens, each enrolled once on `start` with `per_spell` complete rounds a
    quarter apart, both parts answered 1-5 at random (fixed seed)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    n_cw, n_cit = len(F.CASEWORKER_INDICATORS), len(F.CITIZEN_INDICATORS)
    spells = []
    for i in range(n):
        rounds = [
            RoundSpec(
                day=first_round + timedelta(days=91 * k),
                caseworker=caseworker,
                cw=tuple(rng.randint(1, 5) for _ in range(n_cw)),
                cit=tuple(rng.randint(1, 5) for _ in range(n_cit)),
                cw_channel=channel,
                cit_channel=channel,
            )
            for k in range(per_spell)
        ]
        spells.append(
            Spell(
                name=f"{name} {i}",
                born=date(1962 + i % 40, 1 + i % 12, 1 + i % 28),
                target_group=target_group,
                start=start,
                assignments=[(caseworker, start, None)],
                rounds=rounds,
            )
        )
    return spells

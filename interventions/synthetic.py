"""Synthetic intervention episodes for demo and synthetic cohorts, aiming at BIP's
shares of quarters: 23% none, 24% job-directed alone, 18% job-directed with another
group, 34% other groups only (SPEC section 1). The baseline round right after
enrolment has nothing before it, so "none" is drawn less often here."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from interventions.models import InterventionEpisode, InterventionType

MIX_SHARES = (
    ("none", 0.15),
    ("job_only", 0.26),
    ("job_parallel", 0.2),
    ("other_only", 0.39),
)
PROVIDERS = (
    "Jobcentret",
    "Virksomhedscentret",
    "Sundhedscentret",
    "Kommunens mentorkorps",
    "Lokal virksomhed",
    "VUC",
    "",
)


def draw_mix(rng: random.Random) -> str:
    x = rng.random()
    for name, share in MIX_SHARES:
        if x < share:
            return name
        x -= share
    return "none"


def episodes_for_rounds(
    rng: random.Random, rounds: Iterable[Any], mixes: Iterable[str] | None = None
) -> list[InterventionEpisode]:
    """Unsaved episodes in the window before each round (rounds need enrolment);
    `mixes` gives each round's mix where the caller drew it (else drawn here)."""
    by_group: dict[str, list[InterventionType]] = {}
    for t in InterventionType.objects.filter(municipality__isnull=True):
        by_group.setdefault(t.group, []).append(t)
    others = [g for g in by_group if g != "job_directed"]
    episodes = []
    given = iter(mixes) if mixes is not None else None
    for r in rounds:
        mix = next(given) if given is not None else draw_mix(rng)
        # each round's window gets its own episodes, ending before the next window
        start = max(r.round_date - timedelta(days=80), r.enrolment.start)
        end = r.round_date - timedelta(days=25)
        groups = {
            "none": [],
            "job_only": ["job_directed"],
            "other_only": [rng.choice(others)],
            "job_parallel": ["job_directed", rng.choice(others)],
        }[mix]
        if start > end:
            groups = []  # the baseline round right after enrolment: nothing before it
        for group in groups:
            t = rng.choice([t for t in by_group[group] if t.valid_on(start)])
            episodes.append(
                InterventionEpisode(
                    enrolment_id=r.enrolment_id,
                    municipality_id=r.municipality_id,
                    type=t,
                    start=start,
                    end=end,
                    provider=rng.choice(PROVIDERS),
                    created_by_id=r.caseworker_id,
                )
            )
    return episodes

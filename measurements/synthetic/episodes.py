"""Synthetic intervention episodes, aiming at BIP's shares of quarters: 23% none, 24%
job-directed alone, 18% job-directed with another group, 34% other groups only (SPEC
section 1). The baseline round right after enrolment has nothing before it, so "none"
is drawn less often here."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from interventions.models import InterventionType
from measurements.synthetic.records import EpisodeSpec

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


@dataclass(frozen=True)
class Catalogue:
    """The global intervention types by group: (id, valid from, valid to)."""

    by_group: dict[str, list[tuple[int, date, date | None]]]

    @classmethod
    def load(cls) -> Catalogue:
        by_group: dict[str, list[tuple[int, date, date | None]]] = {}
        for t in InterventionType.objects.filter(municipality__isnull=True).order_by(
            "pk"
        ):
            by_group.setdefault(t.group, []).append((t.pk, t.valid_from, t.valid_to))
        return cls(by_group)

    def others(self) -> list[str]:
        return [g for g in self.by_group if g != "job_directed"]


def episodes_before(
    rng: random.Random,
    catalogue: Catalogue,
    *,
    mix: str,
    round_date: date,
    spell_start: date,
    created_by: int | None,
) -> list[EpisodeSpec]:
    """The episodes of the quarter before a round with this mix: each round's window
    gets its own, ending before the next window."""
    start = max(round_date - timedelta(days=80), spell_start)
    end = round_date - timedelta(days=25)
    others = catalogue.others()
    groups = {
        "none": [],
        "job_only": ["job_directed"],
        "other_only": [rng.choice(others)],
        "job_parallel": ["job_directed", rng.choice(others)],
    }[mix]
    if start > end:
        return []  # the baseline round right after enrolment: nothing before it
    episodes = []
    for group in groups:
        valid = [
            pk
            for pk, valid_from, valid_to in catalogue.by_group[group]
            if valid_from <= start and (valid_to is None or start <= valid_to)
        ]
        episodes.append(
            EpisodeSpec(
                type_id=rng.choice(valid),
                start=start,
                end=end,
                provider=rng.choice(PROVIDERS),
                created_by=created_by,
            )
        )
    return episodes

"""A synthetic cohort with known true coefficients, for tests, the demo and the
benchmarks: quarterly rounds with BIP-like shares, event rates at the BIP level, and
optionally a citizen-level random effect. Returns the truth panel in the same shape as
build_panel (DESIGN section 5), and turns it into spells for the writer."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from measurements.scoring import features as F
from measurements.scoring.levels import Levels
from measurements.scoring.model import Coefficients, logit, quarterly_from_annual
from measurements.synthetic.episodes import Catalogue, draw_mix, episodes_before
from measurements.synthetic.records import OutcomeSpec, RoundSpec, Spell

TARGET_GROUPS = (
    "kontant_aktivitetsparat",
    "uddannelse_aktivitetsparat",
    "sygedagpenge",
    "jobafklaring",
)


def true_coefficients() -> Coefficients:
    """Known truth for recovery tests: sizes in the range BIP reports."""
    features = {
        "cw_cw_job_belief": 0.30,
        "cw_goal_directed": 0.15,
        "cw_labour_market_knowledge": 0.12,
        "cit_health_coping": 0.14,
        "cit_self_efficacy": 0.12,
        "cit_job_search": 0.10,
        "cw_change": -0.30,
        "cit_part_missing": -0.20,
    }
    return Coefficients(
        intercept=logit(quarterly_from_annual(0.08)),
        features=features,
        time_bands=(0.0, 0.15, 0.25, 0.10, -0.30),
        age_bands=(0.0, 0.20, 0.10, -0.10, -0.45),
        target_groups={
            "uddannelse_aktivitetsparat": 0.35,
            "sygedagpenge": 0.5,
            "jobafklaring": -0.3,
        },
    )


@dataclass
class Cohort:
    panel: pd.DataFrame
    truth: Coefficients
    random_effect_sd: float
    citizen_effects: np.ndarray = field(default_factory=lambda: np.zeros(0))


def generate(
    *,
    n_citizens: int,
    seed: int,
    truth: Coefficients | None = None,
    random_effect_sd: float = 0.0,
    max_quarters: int = 16,
    time_invariant: float = 0.0,
    stop_at_event: bool = True,
) -> Cohort:
    """Simulate a cohort in memory. `time_invariant` adds a citizen-level covariate
    `tic` with that coefficient (used to show clustered standard errors matter);
    `stop_at_event=False` keeps a citizen in the panel after an event, as when a
    short job ends and the citizen is enrolled again."""
    truth = truth or true_coefficients()
    rng = np.random.default_rng(seed)
    rows = []
    effects = (
        rng.normal(0.0, random_effect_sd, n_citizens)
        if random_effect_sd
        else np.zeros(n_citizens)
    )
    groups = rng.choice(len(TARGET_GROUPS), size=n_citizens, p=[0.55, 0.15, 0.15, 0.15])
    for i in range(n_citizens):
        quarters = int(rng.integers(2, max_quarters + 1))
        age = float(rng.uniform(18, 64))
        level = rng.normal(-0.6, 0.6)  # readiness, on the centred -2..2 scale
        slope = rng.choice([0.12, 0.0, -0.08], p=[0.43, 0.35, 0.22])
        offsets = rng.normal(0.0, 0.5, size=len(F.CW) + len(F.CIT))
        tic = float(rng.normal())
        start = date(2021, 1, 4) + timedelta(days=int(rng.integers(0, 900)))
        birth = start - timedelta(days=int(age * 365.25))
        for k in range(quarters):
            latent = level + slope * k
            cw = np.clip(
                np.rint(latent + offsets[: len(F.CW)] + rng.normal(0, 0.6, len(F.CW))),
                -2,
                2,
            )
            cit = np.clip(
                np.rint(
                    latent + 0.3 + offsets[len(F.CW) :] + rng.normal(0, 0.6, len(F.CIT))
                ),
                -2,
                2,
            )
            part_missing = int(rng.random() < 0.2)
            if part_missing:
                cit = np.zeros(len(F.CIT))
            row = {
                "citizen_id": i,
                "enrolment_id": i,
                "quarter": k,
                "round_date": start + timedelta(days=91 * k),
                **dict(zip(F.CW, cw, strict=True)),
                **dict(zip(F.CIT, cit, strict=True)),
                "miss_cit": 0,
                "miss_cw": 0,
                "cit_part_missing": part_missing,
                "cw_change": int(k > 0 and rng.random() < 0.08),
                # computed from dates exactly as the panel builder does
                "months_in_programme": 91 * k / 30.4375,
                "time_band": F.band_index(91 * k / 30.4375, F.TIME_BANDS),
                "age_band": F.band_index(
                    (start + timedelta(days=91 * k) - birth).days / 365.25, F.AGE_BANDS
                ),
                "birth_date": birth,
                "spell_start": start,
                "target_group": TARGET_GROUPS[groups[i]],
                "tic": tic,
                "censored": 0,
            }
            lp = _lp(row, truth) + effects[i] + time_invariant * tic
            row["true_lp"] = lp
            row["event"] = int(rng.random() < 1.0 / (1.0 + np.exp(-lp)))
            rows.append(row)
            if row["event"] and stop_at_event:
                break
    return Cohort(
        panel=pd.DataFrame(rows),
        truth=truth,
        random_effect_sd=random_effect_sd,
        citizen_effects=effects,
    )


def _lp(row: dict, c: Coefficients) -> float:
    lp = c.intercept + sum(
        beta * row.get(name, 0.0) for name, beta in c.features.items()
    )
    lp += c.time_bands[row["time_band"]] + c.age_bands[row["age_band"]]
    return lp + c.target_groups.get(row["target_group"], 0.0)


def true_params(truth: Coefficients, levels: Levels) -> dict[str, float]:
    """The true value of each design column of a fit with `levels`: bands and target
    groups against the fit's reference levels, the intercept at those levels. Columns
    of merged levels (a mixture, no single true value) are left out, and the
    intercept too where a reference is merged."""
    out = dict(truth.features)
    base: float | None = truth.intercept
    factors = (
        ("time_band", lambda level: truth.time_bands[level]),
        ("age_band", lambda level: truth.age_bands[level]),
        ("target_group", lambda level: truth.target_groups.get(level, 0.0)),
    )
    for name, value in factors:
        factor = levels.factor(name)
        if not factor.groups:
            continue
        reference = factor.groups[factor.reference]
        if len(reference) != 1:
            base = None
            continue
        ref = value(reference[0])
        if base is not None:
            base += ref
        for factor_name, column, group in levels.columns():
            if factor_name == name and len(group) == 1:
                out[column] = value(group[0]) - ref
    if base is not None:
        out["const"] = base
    return out


def cohort_spells(
    cohort: Cohort,
    *,
    caseworkers: Sequence[int],
    catalogue: Catalogue,
    seed: int = 0,
    channel: str = "import",
) -> tuple[list[int], list[Spell]]:
    """The generator's citizens as spells, in order of their index (returned beside
    them), so that the panel builder reads back the truth panel: a change of case
    worker becomes an assignment starting between the two rounds; an event becomes
    an ordinary-job outcome inside its window, ending the spell. Interventions get
    BIP's shares of quarters (context, not model features)."""
    rng = np.random.default_rng(seed)
    rng_episodes = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    indexes, spells = [], []
    # plain rows, a citizen's together in date order: far quicker than pandas' groups
    rows = cohort.panel.sort_values(["citizen_id", "round_date"], kind="stable")
    for index, group in itertools.groupby(
        rows.to_dict("records"), key=lambda row: row["citizen_id"]
    ):
        citizen_rows = list(group)
        first = citizen_rows[0]
        start = first["spell_start"]
        worker = 0
        spell = Spell(
            name=f"Syntetisk borger {index}",
            born=first["birth_date"],
            target_group=first["target_group"],
            start=start,
            assignments=[(caseworkers[0], start, None)],
        )
        previous = start
        for row in citizen_rows:
            day = row["round_date"]
            if row["cw_change"]:
                worker = (worker + 1) % len(caseworkers)
                days = max(2, (day - previous).days + 1)
                change = previous + timedelta(days=int(rng.integers(1, days)))
                held, since, _end = spell.assignments[-1]
                spell.assignments[-1] = (held, since, change)
                spell.assignments.append((caseworkers[worker], change, None))
            spell.rounds.append(
                RoundSpec(
                    day=day,
                    caseworker=caseworkers[worker],
                    cw=tuple(
                        int(row[f"cw_{code}"]) + 3 for code in F.CASEWORKER_INDICATORS
                    ),
                    cit=None
                    if row["cit_part_missing"]
                    else tuple(
                        int(row[f"cit_{code}"]) + 3 for code in F.CITIZEN_INDICATORS
                    ),
                    cw_channel=channel,
                    cit_channel=channel,
                )
            )
            spell.episodes += episodes_before(
                rng_episodes,
                catalogue,
                mix=draw_mix(rng_episodes),
                round_date=day,
                spell_start=start,
                created_by=caseworkers[worker],
            )
            previous = day
            if row["event"]:
                job = day + timedelta(days=int(rng.integers(1, F.WINDOW_DAYS + 1)))
                spell.outcomes.append(OutcomeSpec("job", job, source="import"))
                spell.close(job, "job")
        indexes.append(int(index))
        spells.append(spell)
    return indexes, spells

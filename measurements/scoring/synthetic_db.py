"""Write a synthetic cohort to the database through the product's own models in bulk,
so the panel builder can be checked against the generator's truth panel."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from typing import Any

import numpy as np
from django.db import transaction

from citizens import cpr
from citizens.models import Assignment, Citizen, Enrolment, TargetGroup
from interventions.models import InterventionEpisode, Outcome
from interventions.synthetic import episodes_for_rounds
from measurements.models import Answer, Respondent, Response, Round
from measurements.scoring import features as F
from measurements.scoring.synthetic import Cohort
from measurements.services import instrument_current


def _cpr_for(born: Any, serial: int) -> cpr.Cpr:
    seventh = "4" if born.year >= 2000 else str(serial % 4)
    digits = f"{born:%d%m%y}{seventh}{serial % 1000:03d}"
    return cpr.parse(digits)


@transaction.atomic
def write_cohort(
    cohort: Cohort, *, team: Any, caseworkers: list[Any], by: Any, seed: int = 0
) -> dict[int, int]:
    """Returns {generator citizen index: citizen id}. Events become ordinary-job
    outcomes inside their window, ending the spell; changes of case worker become
    assignments between the two rounds."""
    rng = np.random.default_rng(seed)
    panel = cohort.panel
    municipality_id = team.municipality_id
    version = instrument_current(municipality_id=municipality_id)
    questions = {(q.respondent, q.indicator): q for q in version.questions.all()}
    groups = {g.code: g for g in TargetGroup.objects.all()}
    first_rows = panel.groupby("citizen_id").first()
    citizens = []
    for serial, (index, row) in enumerate(first_rows.iterrows()):
        c = Citizen(
            municipality_id=municipality_id, team=team, caseworker=caseworkers[0]
        )
        c.set_cpr(_cpr_for(row["birth_date"], serial))
        c.set_name(f"Syntetisk borger {index}")
        citizens.append(c)
    Citizen.objects.bulk_create(citizens)
    ids = dict(zip(first_rows.index, (c.pk for c in citizens), strict=True))
    enrolments = {
        index: Enrolment(
            citizen_id=ids[index],
            municipality_id=municipality_id,
            unit_id=team.unit_id,
            team=team,
            target_group=groups[row["target_group"]],
            start=row["spell_start"],
        )
        for index, row in first_rows.iterrows()
    }
    Enrolment.objects.bulk_create(enrolments.values())
    assignments, rounds, meta, outcomes = [], [], [], []
    for index, rows in panel.groupby("citizen_id"):
        e = enrolments[index]
        worker = 0
        assignments.append(
            Assignment(
                enrolment=e,
                municipality_id=municipality_id,
                caseworker=caseworkers[0],
                team=team,
                start=e.start,
            )
        )
        previous = e.start
        for row in rows.sort_values("round_date").itertuples():
            if row.cw_change:
                worker = (worker + 1) % len(caseworkers)
                day = previous + timedelta(
                    days=int(
                        rng.integers(1, max(2, (row.round_date - previous).days + 1))
                    )
                )
                assignments[-1].end = day
                assignments.append(
                    Assignment(
                        enrolment=e,
                        municipality_id=municipality_id,
                        caseworker=caseworkers[worker],
                        team=team,
                        start=day,
                    )
                )
            rounds.append(
                Round(
                    enrolment=e,
                    municipality_id=municipality_id,
                    instrument_version=version,
                    state="complete",
                    round_date=row.round_date,
                    team=team,
                    caseworker=caseworkers[worker],
                    created_by=by,
                    target_group=e.target_group,
                )
            )
            meta.append(row)
            previous = row.round_date
            if row.event:
                day = row.round_date + timedelta(
                    days=int(rng.integers(1, F.WINDOW_DAYS + 1))
                )
                outcomes.append(
                    Outcome(
                        citizen_id=ids[index],
                        enrolment=e,
                        municipality_id=municipality_id,
                        kind="job",
                        date=day,
                        source="import",
                    )
                )
                e.end, e.end_reason = day, "job"
                assignments[-1].end = day
    Assignment.objects.bulk_create(assignments)
    Round.objects.bulk_create(rounds)
    Outcome.objects.bulk_create(outcomes)
    Enrolment.objects.bulk_update(
        [e for e in enrolments.values() if e.end], ["end", "end_reason"]
    )
    responses, answers = [], []
    for rnd, row in zip(rounds, meta, strict=True):
        cw = Response(
            round=rnd,
            respondent=Respondent.CASEWORKER,
            state="submitted",
            channel="import",
        )
        cit = Response(
            round=rnd,
            respondent=Respondent.CITIZEN,
            state="draft" if row.cit_part_missing else "submitted",
            channel="import",
        )
        responses += [cw, cit]
    Response.objects.bulk_create(responses)
    by_round: dict[int, dict[str, Response]] = defaultdict(dict)
    for r in responses:
        by_round[r.round_id][r.respondent] = r
    for rnd, row in zip(rounds, meta, strict=True):
        values = row._asdict()
        for code in F.CASEWORKER_INDICATORS:
            answers.append(
                Answer(
                    response=by_round[rnd.pk]["caseworker"],
                    question=questions[("caseworker", code)],
                    value=int(values[f"cw_{code}"]) + 3,
                )
            )
        if not row.cit_part_missing:
            for code in F.CITIZEN_INDICATORS:
                answers.append(
                    Answer(
                        response=by_round[rnd.pk]["citizen"],
                        question=questions[("citizen", code)],
                        value=int(values[f"cit_{code}"]) + 3,
                    )
                )
    Answer.objects.bulk_create(answers, batch_size=5000)
    # interventions with BIP's shares of quarters (context, not model features)
    by_pk = {e.pk: e for e in enrolments.values()}
    for rnd in rounds:
        rnd.enrolment = by_pk[rnd.enrolment_id]
    rng_episodes = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    InterventionEpisode.objects.bulk_create(
        episodes_for_rounds(rng_episodes, rounds), batch_size=2000
    )
    return {int(k): v for k, v in ids.items()}

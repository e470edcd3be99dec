"""Many rounds written fast with COPY, for the export's memory test and `make bench`:
citizens (five rounds each), their spells, complete rounds and two indicator scores
per round; with `answers`, both parts of each round submitted with an answer to each
of their questions (one in twenty "does not know"), which the long layout reads."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from bip.db import reserve_ids
from citizens.models import Citizen, Enrolment, TargetGroup
from measurements.models import (
    Answer,
    IndicatorScore,
    Question,
    Respondent,
    Response,
    Round,
)
from measurements.services import instrument_current
from measurements.synthetic.writer import _Table  # the package's own COPY writer

PER_CITIZEN = 5


def bulk_rounds(
    *, team: Any, created_by: int, rounds: int, seed: int = 11, answers: bool = False
) -> int:
    """`rounds` complete rounds in `team`'s municipality; returns the number written."""
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    municipality_id, unit_id = team.municipality_id, team.unit_id
    version = instrument_current(municipality_id=municipality_id)
    group = TargetGroup.objects.order_by("pk").values_list("pk", flat=True).first()
    n_citizens = -(-rounds // PER_CITIZEN)
    citizen_ids = reserve_ids(Citizen, n_citizens)
    enrolment_ids = reserve_ids(Enrolment, n_citizens)
    round_ids = reserve_ids(Round, rounds)
    start = date(2020, 1, 6)
    _Table(
        Citizen,
        [
            "id",
            "key",
            "municipality_id",
            "team_id",
            "name",
            "name_search",
            "birth_date",
            "cpr_key_id",
            "cpr_ciphertext",
            "cpr_hmac",
        ],
    ).write(
        (
            pk,
            uuid.UUID(int=rng.getrandbits(128)),
            municipality_id,
            team.pk,
            f"Borger {pk}",
            f"borger {pk}",
            date(1970, 1, 1) + timedelta(days=rng.randrange(15000)),
            "k1",
            "-",  # never decrypted: the memory test exports pseudonymised
            uuid.uuid4().hex + uuid.uuid4().hex,
        )
        for pk in citizen_ids
    )
    _Table(
        Enrolment,
        [
            "id",
            "citizen_id",
            "municipality_id",
            "unit_id",
            "team_id",
            "target_group_id",
            "start",
        ],
    ).write(
        (e, c, municipality_id, unit_id, team.pk, group, start)
        for e, c in zip(enrolment_ids, citizen_ids, strict=True)
    )
    _Table(
        Round,
        [
            "id",
            "enrolment_id",
            "municipality_id",
            "instrument_version_id",
            "state",
            "round_date",
            "team_id",
            "target_group_id",
            "both_in_on",
            "created_by_id",
        ],
    ).write(
        (
            pk,
            enrolment_ids[i // PER_CITIZEN],
            municipality_id,
            version.pk,
            "complete",
            start + timedelta(days=91 * (i % PER_CITIZEN) + 7),
            team.pk,
            group,
            start + timedelta(days=91 * (i % PER_CITIZEN) + 7),
            created_by,
        )
        for i, pk in enumerate(round_ids)
    )
    now = timezone.now()
    _Table(
        IndicatorScore,
        [
            "municipality_id",
            "round_id",
            "respondent",
            "indicator",
            "value",
            "n_answered",
            "inputs_hash",
            "computed_at",
        ],
    ).write(
        (municipality_id, pk, respondent, indicator, rng.randint(1, 5), 1, "-", now)
        for pk in round_ids
        for respondent, indicator in (
            ("citizen", "self_efficacy"),
            ("caseworker", "cw_job_belief"),
        )
    )
    if answers:
        _answers(rng, round_ids, version, start)
    with connection.cursor() as cursor:  # the planner's statistics of the new rows
        for model in (Citizen, Enrolment, Round, IndicatorScore, Response, Answer):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return rounds


ANSWER_CHUNK_ROUNDS = 20_000


def _answers(rng: random.Random, round_ids: list[int], version: Any, day: date) -> None:
    """Both parts of each round, submitted, answered to every question of theirs;
    written in chunks of rounds so no chunk's rows are all in memory at once."""
    questions = {
        respondent: [
            q
            for q, r in Question.objects.filter(version=version)
            .order_by("order")
            .values_list("pk", "respondent")
            if r == respondent
        ]
        for respondent in (Respondent.CASEWORKER, Respondent.CITIZEN)
    }
    submitted = datetime.combine(day, time.min, tzinfo=UTC)
    for lo in range(0, len(round_ids), ANSWER_CHUNK_ROUNDS):
        chunk = round_ids[lo : lo + ANSWER_CHUNK_ROUNDS]
        parts = [(r, who) for r in chunk for who in questions]
        response_ids = reserve_ids(Response, len(parts))
        _Table(
            Response,
            ["id", "round_id", "respondent", "state", "channel", "submitted_at"],
        ).write(
            (pk, r, who, Response.State.SUBMITTED, Response.Channel.LINK, submitted)
            for pk, (r, who) in zip(response_ids, parts, strict=True)
        )
        _Table(Answer, ["response_id", "question_id", "value", "missing_reason"]).write(
            (pk, q, None, "dont_know")
            if rng.random() < 0.05
            else (pk, q, rng.randint(1, 5), "")
            for pk, (_r, who) in zip(response_ids, parts, strict=True)
            for q in questions[who]
        )

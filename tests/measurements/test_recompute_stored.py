"""What a recompute stores for a fixed cohort: every score and indicator score of a
realistic caseload (missing answers, a citizen's part not submitted, a change of
case worker) against the digests recorded in data/recompute_stored.json: one of
every stored field, one of every field but the inputs hash. A change to the scoring
that is meant to change the stored values records them again (`record_digest`).

Floats (those inside the contributions' JSON too) go into the digest to 8
significant digits, and below 1e-12 as 0. numpy's exp and log give results that
differ in the last bit between processors (its AVX-512 code and its other code), so
a digest of the exact values failed on a processor without AVX-512 at the very
commit it was recorded with; 8 digits still catch any change of a score that a
change of the code could make, and no user sees more than 3."""

from __future__ import annotations

import hashlib
import json
import pathlib
import random
from datetime import date

import pytest

from measurements.models import Answer, IndicatorScore, Round, Score
from measurements.synthetic.caseload import caseload_spells, open_target_groups
from measurements.synthetic.episodes import Catalogue
from measurements.synthetic.writer import write_spells
from tests.measurements.helpers import bulk_spells, run_scores

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

RECORDED = pathlib.Path(__file__).parent / "data" / "recompute_stored.json"
SCORE_FIELDS = [
    "model_version_id",
    "lp",
    "hazard_q",
    "p12",
    "indicator_lp",
    "delta_indicator_lp",
    "klass",
    "contributions",
    "worklist",
    "inputs_hash",
    "superseded_at",
]
INDICATOR_FIELDS = [
    "respondent",
    "indicator",
    "value",
    "n_answered",
    "delta_previous",
    "delta_baseline",
    "changed_previous",
    "changed_baseline",
    "inputs_hash",
]


def canonical(value: object) -> object:
    """A stored value with its floats, at any depth of JSON, to 8 significant
    digits (a float below 1e-12 as 0)."""
    if isinstance(value, float):
        return "0" if abs(value) < 1e-12 else format(value, ".8g")
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def stored(municipality) -> dict[str, object]:
    """The stored rows in a form that does not depend on the database's ids nor on
    the processor: rounds by their place in the order they were written, floats as
    `canonical` writes them."""
    place = {
        pk: i
        for i, pk in enumerate(
            Round.objects.filter(municipality=municipality)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    }

    def rows(qs, fields):
        out = [
            [place[row[0]], *(canonical(v) for v in row[1:])]
            for row in qs.values_list("round_id", *fields)
        ]
        return sorted(json.dumps(r, sort_keys=True, default=str) for r in out)

    def digest(without: tuple[str, ...] = ()) -> tuple[int, int, str]:
        scores = rows(
            Score.objects.filter(municipality=municipality),
            [f for f in SCORE_FIELDS if f not in without],
        )
        indicators = rows(
            IndicatorScore.objects.filter(municipality=municipality),
            [f for f in INDICATOR_FIELDS if f not in without],
        )
        text = "\n".join([*scores, *indicators])
        return len(scores), len(indicators), hashlib.sha256(text.encode()).hexdigest()

    n_scores, n_indicators, every_field = digest()
    return {
        "scores": n_scores,
        "indicator_scores": n_indicators,
        "digest": every_field,
        "digest_without_inputs_hash": digest(without=("inputs_hash",))[2],
    }


def record_digest(world, caseworker, teammate) -> dict[str, object]:
    write_spells(
        caseload_spells(
            random.Random(5),
            n=60,
            caseworkers=[caseworker.pk, teammate.pk],
            today=date(2026, 3, 2),
            target_groups=open_target_groups(),
            catalogue=Catalogue.load(),
        ),
        team=world.team,
    )
    run_scores(world.municipality)
    return stored(world.municipality)


def test_a_recompute_stores_exactly_what_it_stored_before(
    settings, world, caseworker, teammate
):
    settings.BIP_SCORES_CHUNK_ROUNDS = 250
    found = record_digest(world, caseworker, teammate)
    assert found["scores"] > 400  # the caseload is what the digest was recorded for
    assert found == json.loads(RECORDED.read_text())


def test_an_undone_correction_makes_the_earlier_score_current_again(world, caseworker):
    """A revision seen before is not written twice: its row, superseded by the
    correction, becomes current again (the upsert on round, version and hash)."""
    rnd = bulk_spells(world.team, caseworker, spells=2, per_spell=2)[0]
    answer = (
        Answer.objects.filter(
            response__round=rnd,
            response__respondent="caseworker",
            question__indicator="cw_job_belief",
        )
        .select_related("question")
        .get()
    )
    run_scores(world.municipality)
    first = Score.objects.get(round=rnd, superseded_at__isnull=True)
    Answer.objects.filter(pk=answer.pk).update(value=answer.value % 5 + 1)
    run_scores(world.municipality)
    corrected = Score.objects.get(round=rnd, superseded_at__isnull=True)
    assert corrected.pk != first.pk
    assert corrected.inputs_hash != first.inputs_hash
    Answer.objects.filter(pk=answer.pk).update(value=answer.value)
    run_scores(world.municipality)
    current = Score.objects.get(round=rnd, superseded_at__isnull=True)
    assert (current.pk, current.inputs_hash, current.p12) == (
        first.pk,
        first.inputs_hash,
        first.p12,
    )
    assert Score.objects.filter(round=rnd).count() == 2
    assert Score.objects.get(pk=corrected.pk).superseded_at is not None

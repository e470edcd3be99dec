"""What to work on is computed by the recompute job for the latest round of each spell
and stored with its score (DESIGN section 5, docs/model.md): the same suggestions as
a computation for that round alone, under the same rules; a correction and an
activation store new ones; the nightly sweep fills scores stored without them and
leaves their other fields alone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from bip.jobs.services import job_run
from measurements.models import Answer, ModelVersion, Response, Score, SpellScoring
from measurements.scoring.progression import feature_name
from measurements.scoring.recompute import (
    Context,
    compute_chunk,
    scores_request,
    scores_sweep,
)
from measurements.scoring.services import model_activate
from measurements.scoring.worklist import STORED, suggestions
from measurements.services import round_correct
from tests.factories import CitizenFactory
from tests.measurements.helpers import (
    LOCAL_NAMES,
    bulk_spells,
    local_version,
    make_round,
    only,
    run_scores,
)

pytestmark = pytest.mark.django_db


def computed_alone(rnd, model):
    """As the citizen page computed it in the request before: the round's spell read
    and scored on its own, the suggestions drawn for that one round."""
    ctx = Context.load(municipality_id=rnd.municipality_id, model_version_id=model.pk)
    computed = compute_chunk(ctx, [rnd.enrolment_id])
    row = computed.panel[computed.panel["round_id"] == rnd.pk]
    table = computed.table
    mine = table[(table["round_id"] == rnd.pk) & table["value"].notna()]
    answered = {
        feature_name(r, i)
        for r, i in zip(mine["respondent"], mine["indicator"], strict=True)
    }
    return suggestions(
        row.reset_index(drop=True), model, ctx.coefficients, None, answered
    )


def current(rnd, model):
    return Score.objects.get(round=rnd, model_version=model, superseded_at__isnull=True)


@pytest.fixture
def varied(world, caseworker):
    """Thirty spells of three rounds with random ratings; in some latest rounds the
    citizen's part is missing, in others a few questions are unanswered."""
    rounds = bulk_spells(world.team, caseworker, spells=30, per_spell=3, seed=11)
    latest = [r for r in rounds if r.round_date == rounds[2].round_date]
    Response.objects.filter(round__in=latest[:5], respondent="citizen").update(
        state="draft"
    )
    for rnd in latest[5:10]:
        ids = Answer.objects.filter(response__round=rnd).values_list("pk", flat=True)
        Answer.objects.filter(pk__in=list(ids[:4])).update(
            value=None, missing_reason="dont_know"
        )
    return latest


def test_activation_stores_the_suggestions_a_round_alone_gets(
    world, municipal_admin, varied, django_capture_on_commit_callbacks
):
    run_scores(world.municipality)
    reference = ModelVersion.objects.get(municipality__isnull=True)
    local = local_version(world.municipality)
    with django_capture_on_commit_callbacks(execute=True):
        model_activate(
            version=local, by=municipal_admin, municipality_id=world.municipality.pk
        )
    listed = set()
    for rnd in varied:
        stored = current(rnd, local).worklist
        expected = computed_alone(rnd, local)
        assert [s["indicator"] for s in stored["items"]] == [
            s.indicator for s in expected
        ]
        for item, s in zip(stored["items"], expected, strict=True):
            assert item["stepped"] == s.stepped
            for name in STORED[2:]:
                assert item[name] == pytest.approx(getattr(s, name), rel=1e-9)
            # the rules: an interval above 0, a positive gain
            assert item["coefficient_low"] > 0
            assert item["gain_low"] < item["gain"] < item["gain_high"]
        gains = [s["gain"] for s in stored["items"]]
        assert gains == sorted(gains, reverse=True)
        listed |= {s["indicator"] for s in stored["items"]}
        # the reference model's suggestions stay with its own scores
        assert current(rnd, reference).worklist["items"]
    assert listed == {"goal_directed", "network", "job_search", "health_coping"}
    # only the latest round of each spell
    earlier = Score.objects.exclude(round__in=varied)
    assert earlier.count() == 2 * 2 * 30
    assert not earlier.filter(worklist__isnull=False).exists()


def test_a_correction_stores_new_suggestions(world, caseworker, team_leader):
    person = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2025, 1, 6)
    )
    make_round(person, date(2025, 1, 10))
    rnd = make_round(person, date(2025, 4, 10), cw=only(goal_directed=4))
    run_scores(world.municipality)
    before = Score.objects.get(round=rnd)
    assert "goal_directed" in [s["indicator"] for s in before.worklist["items"]]
    question = rnd.instrument_version.questions.get(
        respondent="caseworker", indicator="goal_directed"
    )
    later = timezone.now() + timedelta(days=rnd.municipality.round_lock_days + 2)
    with time_machine.travel(later):
        round_correct(
            rnd=rnd,
            by=team_leader,
            reason="Skrev forkert tal",
            answers={"caseworker": {question.pk: (5, "")}},
        )
    run_scores(
        world.municipality, trigger="correction", enrolment_ids=[rnd.enrolment_id]
    )
    after = Score.objects.get(round=rnd, superseded_at__isnull=True)
    assert after.pk != before.pk
    # the case worker's rating is at the top now: nothing left to gain there
    assert "goal_directed" not in [s["indicator"] for s in after.worklist["items"]]
    before.refresh_from_db()
    assert before.superseded_at is not None
    assert "goal_directed" in [s["indicator"] for s in before.worklist["items"]]


def test_the_sweep_fills_scores_stored_without_them_and_changes_nothing_else(
    world, caseworker, varied
):
    run_scores(world.municipality)
    fields = ["pk", "round_id", "p12", "inputs_hash", "computed_at", "job_id"]
    computed = dict(Score.objects.values_list("round_id", "worklist"))
    before = set(Score.objects.values_list(*fields))
    # as stored before worklists were, and before the spells' change markers
    Score.objects.update(worklist=None)
    SpellScoring.objects.all().delete()
    created = scores_sweep()
    job_run(job_id=created[0].pk)
    assert set(Score.objects.values_list(*fields)) == before
    assert dict(Score.objects.values_list("round_id", "worklist")) == computed
    assert Score.objects.filter(worklist__isnull=False).count() == len(varied)
    # a second sweep finds nothing to fill and writes nothing
    filled = list(Score.objects.order_by("pk").values_list(*fields, "worklist"))
    with transaction.atomic():
        job = scores_request(municipality_id=world.municipality.pk, trigger="sweep")
    job_run(job_id=job.pk)
    assert list(Score.objects.order_by("pk").values_list(*fields, "worklist")) == filled


def test_a_version_without_intervals_stores_why_in_every_language(world, varied):
    version = local_version(world.municipality)
    matrix = version.covariance["matrix"]
    matrix[2][2] = -1.0  # not positive semi-definite
    ModelVersion.objects.filter(pk=version.pk).update(
        covariance={"names": LOCAL_NAMES, "matrix": matrix}, active=True
    )
    run_scores(world.municipality)
    stored = current(varied[0], version).worklist
    assert stored["items"] == []
    assert "cw_goal_directed" in stored["reason"]["da"]
    assert "positivt semidefinit" in stored["reason"]["da"]
    assert "positive semi-definite" in stored["reason"]["en"]


def test_only_rounds_of_the_scope_are_touched(world, caseworker, varied):
    run_scores(world.municipality)
    Score.objects.update(worklist=None)
    one = varied[0]
    run_scores(world.municipality, trigger="round", enrolment_ids=[one.enrolment_id])
    assert list(
        Score.objects.filter(worklist__isnull=False).values_list("round_id", flat=True)
    ) == [one.pk]

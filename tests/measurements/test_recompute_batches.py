"""A batch recompute reads and writes each chunk in the same number of queries,
whatever the batch size (500 and 5,000 rounds, chunks of 250); a second run writes
nothing; a resumed job continues from its checkpoint without duplicates."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bip.jobs.services import claim, job_run
from citizens.models import Enrolment
from measurements.models import IndicatorScore, Score
from measurements.scoring import recompute
from tests.factories import TeamFactory, UnitFactory, UserFactory
from tests.measurements.helpers import bulk_spells, run_scores

pytestmark = pytest.mark.django_db


def queries_per_chunk(monkeypatch, municipality):
    counts, sizes = [], []
    original = recompute.process_chunk

    def counted(ctx, enrolment_ids, **kwargs):
        with CaptureQueriesContext(connection) as captured:
            n = original(ctx, enrolment_ids, **kwargs)
        counts.append(len(captured.captured_queries))
        sizes.append(n)
        return n

    monkeypatch.setattr(recompute, "process_chunk", counted)
    job = run_scores(municipality)
    return counts, sizes, job


def test_queries_per_chunk_are_the_same_at_500_and_5000_rounds(
    monkeypatch, settings, world, caseworker
):
    settings.BIP_SCORES_CHUNK_ROUNDS = 250
    small_team = world.team
    large_team = TeamFactory(unit=UnitFactory(municipality=world.other_municipality))
    large_worker = UserFactory(username="large_team_caseworker")
    bulk_spells(small_team, caseworker, spells=100)  # 5 rounds each: 500
    bulk_spells(large_team, large_worker, spells=1000, seed=8)  # 5,000
    per_chunk = {}
    for municipality, rounds in (
        (world.municipality, 500),
        (world.other_municipality, 5000),
    ):
        counts, sizes, job = queries_per_chunk(monkeypatch, municipality)
        assert sizes == [250] * (rounds // 250)
        assert len(set(counts)) == 1, counts
        assert (job.total, job.progress) == (rounds, rounds)
        assert (
            Score.objects.filter(
                municipality=municipality, superseded_at__isnull=True
            ).count()
            == rounds
        )
        assert (
            IndicatorScore.objects.filter(municipality=municipality).count()
            == rounds * 20  # 11 case-worker and 9 citizen indicators
        )
        per_chunk[rounds] = counts[0]
    assert per_chunk[500] == per_chunk[5000] <= 15


def test_a_second_run_writes_nothing(monkeypatch, world, caseworker):
    bulk_spells(world.team, caseworker, spells=60)
    run_scores(world.municipality)
    before = set(Score.objects.values_list("pk", "computed_at"))
    counts, _sizes, _job = queries_per_chunk(monkeypatch, world.municipality)
    assert set(Score.objects.values_list("pk", "computed_at")) == before
    assert max(counts) <= 11  # reads (with the markers), the lock and checkpoint


def test_a_resumed_job_continues_from_its_checkpoint(settings, world, caseworker):
    settings.BIP_SCORES_CHUNK_ROUNDS = 50
    bulk_spells(world.team, caseworker, spells=40)  # 200 rounds, 4 chunks
    with transaction.atomic():
        job = recompute.scores_request(
            municipality_id=world.municipality.pk, trigger="test"
        )
    first = claim(job_id=job.pk)
    # one chunk by hand, as a worker that then dies would have done
    recompute_ctx = recompute.Context.load(
        municipality_id=world.municipality.pk,
        model_version_id=recompute.active_model(
            municipality_id=world.municipality.pk
        ).pk,
        job_id=job.pk,
    )
    ids = list(
        Enrolment.objects.filter(municipality=world.municipality)
        .order_by("pk")
        .values_list("pk", flat=True)[:10]
    )
    with transaction.atomic():
        first.advance(
            checkpoint={"model_version_id": recompute_ctx.model_version_id, "after": 0},
            total=200,
        )
    recompute.process_chunk(
        recompute_ctx,
        ids,
        claim=first,
        checkpoint={
            "model_version_id": recompute_ctx.model_version_id,
            "after": ids[-1],
        },
    )
    assert Score.objects.count() == 50
    # the worker is gone: its claim goes stale and another takes over
    from datetime import timedelta

    from django.utils import timezone

    from bip.jobs.models import Job

    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.takeovers, job.progress) == ("done", 1, 200)
    assert Score.objects.count() == 200
    assert Score.objects.filter(superseded_at__isnull=True).count() == 200

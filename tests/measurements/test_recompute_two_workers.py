"""Scaling out (README, "Running more workers"): two real worker processes share the
recompute of several municipalities. Every job is delivered twice, as a broker may
redeliver, so the two workers race to claim the same jobs; the claim lets exactly
one run each. Both workers run jobs at the same time, and every round ends with
exactly one score, written once."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Count

from bip.celery import app as celery_app
from bip.jobs.models import Job
from bip.jobs.services import JOB_TASK, _task
from measurements.models import Round, Score
from measurements.scoring.recompute import KIND, scores_request
from tests.factories import MunicipalityFactory, TeamFactory, UnitFactory
from tests.jobs.workers import Worker, flush_broker, wait_until
from tests.measurements.helpers import bulk_spells

pytestmark = [
    pytest.mark.worker,
    pytest.mark.timeout(240),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
MUNICIPALITIES, SPELLS, PER_SPELL = 4, 40, 5


def test_two_workers_score_every_round_exactly_once(tmp_path, world, caseworker):
    municipalities = [world.municipality]
    bulk_spells(world.team, caseworker, spells=SPELLS, seed=0)
    for i in range(1, MUNICIPALITIES):
        muni = MunicipalityFactory(name=f"Skala {i}", code=f"09{i:02d}")
        team = TeamFactory(unit=UnitFactory(municipality=muni, name="Jobcenter"))
        bulk_spells(team, caseworker, spells=SPELLS, seed=i)
        municipalities.append(muni)
    flush_broker()
    workers = [
        Worker(tmp_path, f"worker{i}", BIP_SCORES_CHUNK_ROUNDS="50") for i in (1, 2)
    ]
    celery_app.conf.task_always_eager = False
    most_running = 0
    try:
        # both consume before the first job is sent: neither can take them all
        wait_until(
            lambda: all(" ready." in w.log_path.read_text() for w in workers),
            timeout=90,
            what="both workers to start",
        )
        with transaction.atomic():
            jobs = [
                scores_request(municipality_id=m.pk, trigger="activation")
                for m in municipalities
            ]
        for job in jobs:  # a second delivery of each: both workers try to claim it
            _task(JOB_TASK).apply_async(args=[job.pk], retry=False)

        def finished() -> bool:
            nonlocal most_running
            states = list(
                Job.objects.filter(pk__in=[j.pk for j in jobs]).values_list(
                    "state", flat=True
                )
            )
            most_running = max(most_running, states.count("running"))
            return all(s in ("done", "failed") for s in states)

        # read often: the test must see both workers' jobs running at once
        wait_until(finished, timeout=180, what="every job to end", every=0.05)
    finally:
        celery_app.conf.task_always_eager = True
        for w in workers:
            w.stop()
        flush_broker()

    assert (
        sorted(
            Job.objects.filter(kind=KIND).values_list("state", "attempts", "takeovers")
        )
        == [("done", 1, 0)] * MUNICIPALITIES
    )  # each claimed once, never taken over
    assert most_running == 2, "the two workers ran jobs at the same time"
    rounds = Round.objects.filter(state="complete").count()
    assert rounds == MUNICIPALITIES * SPELLS * PER_SPELL
    # every round scored exactly once: one score row each, none written twice
    assert Score.objects.count() == rounds
    per_round = Score.objects.values("round_id").annotate(n=Count("pk"))
    assert {row["n"] for row in per_round} == {1}
    assert Score.objects.filter(superseded_at__isnull=True).count() == rounds
    for muni in municipalities:
        job = Job.objects.get(kind=KIND, municipality_id=muni.pk)
        assert job.progress == SPELLS * PER_SPELL
        assert (
            Score.objects.filter(municipality_id=muni.pk, job_id=job.pk).count()
            == SPELLS * PER_SPELL
        )

"""Benchmark of the score recompute on PostgreSQL: a full recompute (every round new),
a walk of every round that finds nothing to write, the nightly sweep with nothing
changed and with one late change, and as the reference PostgreSQL's own COPY of the
same rows the recompute writes. Writes a Markdown section to stdout.

Usage: python scripts/bench_scores.py [--rounds 100000]
Uses the database BENCH_DATABASE_URL (default: bip_bench on 127.0.0.1), which it
drops and creates: never point it at real data.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import time
from datetime import date

url = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bip_bench"
)
os.environ["DATABASE_URL"] = url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bip.settings_test")

POPULATE_ONLY = "--populate-only" in sys.argv
if not POPULATE_ONLY:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

PER_SPELL = 5


def populate(rounds: int) -> None:
    """Spells of five quarterly rounds with both parts answered, written with COPY by
    the synthetic-data writer the demo and the tests use."""
    from bip.accounts.models import Municipality, Team, Unit, User
    from measurements.synthetic.uniform import uniform_spells
    from measurements.synthetic.writer import write_spells

    muni = Municipality.objects.create(code="0999", name="Benchkommune")
    unit = Unit.objects.create(municipality=muni, name="Jobcenter")
    team = Team.objects.create(unit=unit, municipality=muni, name="Team")
    worker = User.objects.create(username="bench")
    spells = uniform_spells(
        n=rounds // PER_SPELL,
        caseworker=worker.pk,
        per_spell=PER_SPELL,
        seed=7,
        start=date(2022, 1, 3),
        first_round=date(2022, 1, 10),
        name="Benchborger",
        channel="import",
    )
    write_spells(spells, team=team)


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def run_job(municipality_id: int, trigger: str) -> tuple[float, int, int]:
    from bip.jobs.services import job_run
    from measurements.scoring import recompute

    chunks = []
    original = recompute.process_chunk

    def counted(ctx, enrolment_ids, **kwargs):
        counter = Counter()
        with connection.execute_wrapper(counter):
            n = original(ctx, enrolment_ids, **kwargs)
        chunks.append(counter.n)
        if len(chunks) & (len(chunks) - 1) == 0:  # after chunk 1, 2, 4, 8, ...
            # this machine's PostgreSQL runs without autovacuum; a production one
            # analyses the growing score tables as they grow, so the planner reads
            # them through their indexes
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE measurements_score, measurements_indicatorscore"
                )
        return n

    recompute.process_chunk = counted
    try:
        with transaction.atomic():
            job = recompute.scores_request(
                municipality_id=municipality_id, trigger=trigger
            )
        start = time.perf_counter()
        job_run(job_id=job.pk)
        seconds = time.perf_counter() - start
    finally:
        recompute.process_chunk = original
    job.refresh_from_db()
    if job.state != "done":
        raise SystemExit(f"the job failed: {job.error}")
    return seconds, max(chunks), len(chunks)


def nightly_sweep(repeats: int = 3) -> tuple[float, int, int]:
    """The nightly sweep as beat starts it, with nothing changed since the scores
    were written: the median time of `repeats` runs, the spells it scores and the
    jobs it creates (both should be 0)."""
    from statistics import median

    from bip.jobs.services import job_run
    from measurements.scoring import recompute

    times, spells, jobs = [], 0, 0
    original = recompute.compute_chunk

    def counted(ctx, enrolment_ids):
        nonlocal spells
        spells += len(enrolment_ids)
        return original(ctx, enrolment_ids)

    recompute.compute_chunk = counted
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for job in recompute.scores_sweep():
                jobs += 1
                job_run(job_id=job.pk)
            times.append(time.perf_counter() - start)
    finally:
        recompute.compute_chunk = original
    return median(times), spells, jobs


def late_change() -> tuple[float, int]:
    """One late change (one spell's assignment row written again, as a corrected
    history would be), then the nightly sweep and its job: the time and the spells
    scored."""
    from bip.jobs.services import job_run
    from citizens.models import Assignment
    from measurements.scoring import recompute

    assignment = Assignment.objects.order_by("pk").first()
    Assignment.objects.filter(pk=assignment.pk).update(start=assignment.start)
    spells = 0
    original = recompute.compute_chunk

    def counted(ctx, enrolment_ids):
        nonlocal spells
        spells += len(enrolment_ids)
        return original(ctx, enrolment_ids)

    recompute.compute_chunk = counted
    try:
        start = time.perf_counter()
        for job in recompute.scores_sweep():
            job_run(job_id=job.pk)
        seconds = time.perf_counter() - start
    finally:
        recompute.compute_chunk = original
    return seconds, spells


def copy_reference(municipality_id: int) -> float:
    """PostgreSQL's COPY of the rows the recompute writes (the scores and the
    indicator scores), from text already formatted: the floor for the writes."""
    from measurements.models import IndicatorScore, Score
    from measurements.scoring.recompute import INDICATOR_FIELDS, SCORE_VALUES

    def dump(model, columns):
        buf = io.BytesIO()
        sql = f'COPY (SELECT {", ".join(columns)} FROM "{model._meta.db_table}") TO STDOUT'  # noqa: S608
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for data in copy:
                buf.write(data)
        return buf.getvalue()

    score_cols = [
        "municipality_id",
        "round_id",
        "model_version_id",
        *SCORE_VALUES,
        "inputs_hash",
        "computed_at",
    ]
    ind_cols = INDICATOR_FIELDS
    data = [
        (Score, score_cols, dump(Score, score_cols)),
        (IndicatorScore, ind_cols, dump(IndicatorScore, ind_cols)),
    ]
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for model, columns, text in data:
            table = model._meta.db_table
            cursor.execute(
                f'CREATE TEMP TABLE "copy_{table}" (LIKE "{table}" INCLUDING ALL)'
            )
            with cursor.cursor.copy(
                f'COPY "copy_{table}" ({", ".join(columns)}) FROM STDIN'
            ) as copy:
                copy.write(text)
        transaction.set_rollback(True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100_000)
    parser.add_argument("--populate-only", action="store_true")
    args = parser.parse_args()
    if args.populate_only:
        populate(args.rounds)
        return
    call_command("migrate", verbosity=0)
    settings.BIP_JOBS_IN_PROCESS = True  # jobs are run here, timed; nothing is sent
    t0 = time.perf_counter()
    # the test data in a process of its own: this one's peak memory is the jobs'
    subprocess.run(
        [sys.executable, __file__, "--populate-only", "--rounds", str(args.rounds)],
        check=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have, on a database in use
    populated = time.perf_counter() - t0
    from bip.accounts.models import Municipality
    from measurements.models import IndicatorScore, Round, Score

    municipality_id = Municipality.objects.get(code="0999").pk
    rounds = Round.objects.filter(municipality_id=municipality_id).count()
    full, full_q, n_chunks = run_job(municipality_id, "bench")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sweep, sweep_q, _ = run_job(municipality_id, "bench")
    nightly, nightly_spells, nightly_jobs = nightly_sweep()
    late, late_spells = late_change()
    reference = copy_reference(municipality_id)
    scores = Score.objects.filter(superseded_at__isnull=True).count()
    indicator_rows = IndicatorScore.objects.count()
    per_round_ms = 1000 * full / rounds
    print(
        f"Rounds: {rounds:,} ({rounds // PER_SPELL:,} spells of {PER_SPELL}), chunk "
        f"{settings.BIP_SCORES_CHUNK_ROUNDS} rounds ({n_chunks} chunks); test data "
        f"written in {populated:.0f} s; PostgreSQL {connection.pg_version // 10000}, "
        f"{os.cpu_count()} cores.\n"
    )
    print("| figure | value |")
    print("|---|---|")
    print(
        f"| full recompute (every round new): time | {full:.1f} s ({per_round_ms:.2f} ms per round) |"
    )
    print(f"| full recompute: rounds per second | {rounds / full:,.0f} |")
    print(f"| rows written | {scores:,} scores, {indicator_rows:,} indicator scores |")
    print(f"| reference: COPY of the same rows | {reference:.1f} s |")
    print(f"| full recompute / COPY reference | {full / reference:.1f} |")
    print(f"| queries per chunk (full / nothing to write) | {full_q} / {sweep_q} |")
    print(
        f"| a walk of every round with nothing to write (hashes compared) | {sweep:.1f} s ({1000 * sweep / rounds:.2f} ms per round) |"
    )
    print(
        f"| nightly sweep with nothing changed (change markers compared; median of 3) | "
        f"{1000 * nightly:.1f} ms ({1000 * nightly / rounds:.5f} ms per round); "
        f"{nightly_spells} spells scored, {nightly_jobs} jobs |"
    )
    print(
        f"| nightly sweep after one late change (one assignment written), with its job | "
        f"{1000 * late:.0f} ms; {late_spells} spell scored |"
    )
    print(f"| peak memory of the worker process (full recompute) | {peak_mb:.0f} MB |")
    print(
        f"| national scale (1,000,000 rounds), one worker, linear extrapolation | "
        f"full recompute {full * 1_000_000 / rounds / 60:.0f} min, nightly sweep "
        f"with nothing changed {nightly * 1_000_000 / rounds:.1f} s |"
    )


if __name__ == "__main__":
    sys.exit(main())

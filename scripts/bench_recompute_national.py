"""Figure 1 of the national-scale benchmarks: the full recompute of every score
against its floor, in the same run, on the national dataset (scripts/bench_national.py).

Each repetition starts from a copy of the cached dataset with no scores (CREATE
DATABASE ... TEMPLATE, database bip_national_run), runs every municipality's
recompute job here, one after the other, as one worker would, and then measures the
floor in the same database: COPY TO of the input rows the recompute reads (complete
rounds, submitted parts, current answers, assignments) plus COPY FROM of the score
rows it wrote (scores and indicator scores, into temporary copies of their tables
with their indexes). The naive path scores a sample of rounds one at a time through
the ORM (each round's spell read, scored and its rows saved with create()), in a
transaction rolled back. Writes a Markdown section to stdout.

Usage: python scripts/bench_recompute_national.py [--rounds 100000 1000000]
    [--repeat 3] [--naive-sample 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_national import SERVER, database_name, ensure_national  # noqa: E402

RUN = os.environ.get("BENCH_RUN_DATABASE", "bip_national_run")


def clone(template: str) -> str:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{RUN}"')
        admin.execute(f'CREATE DATABASE "{RUN}" TEMPLATE "{template}"')
    return f"{SERVER}/{RUN}"


def child(url: str, *args: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    env.setdefault("DJANGO_SETTINGS_MODULE", "bip.settings_test")
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- in the child process, DATABASE_URL set ---


def _setup() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.BIP_JOBS_IN_PROCESS = True  # jobs run here, timed; nothing is sent


def _run_jobs(municipality_ids: list[int]) -> dict:
    """Each municipality's recompute job, one after the other, as one worker would:
    wall and CPU seconds, chunks."""
    from django.db import connection, transaction

    from bip.jobs.services import job_run
    from measurements.scoring import recompute

    chunks = 0
    original = recompute.process_chunk

    def counted(ctx, enrolment_ids, **kwargs):
        nonlocal chunks
        chunks += 1
        if chunks & (chunks - 1) == 0:  # after chunk 1, 2, 4, 8, ...
            # as autovacuum would analyse the growing score tables (this machine's
            # PostgreSQL runs without it)
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE measurements_score, measurements_indicatorscore"
                )
        return original(ctx, enrolment_ids, **kwargs)

    recompute.process_chunk = counted
    started = time.perf_counter()
    cpu = time.process_time()
    for pk in municipality_ids:
        with transaction.atomic():
            job = recompute.scores_request(municipality_id=pk, trigger="bench")
        job_run(job_id=job.pk)
        job.refresh_from_db()
        if job.state != "done":
            raise SystemExit(f"the job failed: {job.error}")
    recompute.process_chunk = original
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "chunks": chunks,
    }


def _shares(workers: int) -> list[list[int]]:
    """The municipalities dealt to `workers` workers, largest first to the one with
    the fewest rounds so far (as idle workers would claim the jobs)."""
    from django.db.models import Count

    from measurements.models import Round

    sizes = (
        Round.objects.values("municipality_id")
        .annotate(n=Count("id"))
        .order_by("-n", "municipality_id")
    )
    shares: list[list[int]] = [[] for _ in range(workers)]
    load = [0] * workers
    for row in sizes:
        i = load.index(min(load))
        shares[i].append(row["municipality_id"])
        load[i] += row["n"]
    return shares


def _full_recompute(workers: int) -> dict:
    """Every municipality's recompute by `workers` worker processes at once (each
    doing its share in turn), then the floor and the sweeps in the same database."""
    from django.db import connection

    from measurements.models import IndicatorScore, Round, Score

    if workers == 1:
        from bip.accounts.models import Municipality

        done = [
            _run_jobs(
                list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
            )
        ]
        seconds = done[0]["seconds"]
    else:
        shares = _shares(workers)
        connection.close()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        running = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "jobs",
                    "--ids",
                    ",".join(map(str, share)),
                ],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for share in shares
        ]
        done = []
        for process in running:
            out, _ = process.communicate()
            if process.returncode:
                raise SystemExit("a worker failed")
            done.append(json.loads(out.strip().splitlines()[-1]))
        seconds = time.perf_counter() - started
    read, write = _floor()
    sweep = _sweeps()
    return {
        **sweep,
        "workers": workers,
        "rounds": Round.objects.filter(state=Round.State.COMPLETE).count(),
        "seconds": seconds,
        "cpu": sum(d["cpu"] for d in done),
        "chunks": sum(d["chunks"] for d in done),
        "scores": Score.objects.count(),
        "indicator_scores": IndicatorScore.objects.count(),
        "floor_read": read,
        "floor_write": write,
    }


def _sweeps() -> dict:
    """Figure 2 on the same data, every score now current: the nightly sweep with
    nothing changed (median of 3), then late changes (one citizen's birth date
    corrected, one spell given a new case worker) found by the next sweep."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from bip.jobs.services import job_run
    from citizens.models import Assignment, Citizen
    from measurements.scoring import recompute

    scored = []
    original = recompute.compute_chunk

    def counted(ctx, enrolment_ids):
        scored.extend(enrolment_ids)
        return original(ctx, enrolment_ids)

    recompute.compute_chunk = counted
    times, jobs = [], 0
    for _ in range(3):
        started = time.perf_counter()
        for job in recompute.scores_sweep():
            jobs += 1
            job_run(job_id=job.pk)
        times.append(time.perf_counter() - started)
    nothing = (statistics.median(times), len(scored), jobs)
    scored.clear()
    citizen = Citizen.objects.order_by("pk").first()
    assignment = Assignment.objects.filter(end__isnull=True).order_by("-pk").first()
    with transaction.atomic():
        Citizen.objects.filter(pk=citizen.pk).update(
            birth_date=citizen.birth_date - timedelta(days=400)
        )
        day = timezone.localdate()
        Assignment.objects.filter(pk=assignment.pk).update(end=day)
        Assignment.objects.create(
            enrolment_id=assignment.enrolment_id,
            municipality_id=assignment.municipality_id,
            caseworker_id=assignment.caseworker_id,
            team_id=assignment.team_id,
            start=day,
        )
    started = time.perf_counter()
    late_jobs = 0
    for job in recompute.scores_sweep():
        late_jobs += 1
        job_run(job_id=job.pk)
    late = time.perf_counter() - started
    recompute.compute_chunk = original
    return {
        "sweep_nothing": nothing[0],
        "sweep_nothing_spells": nothing[1],
        "sweep_nothing_jobs": nothing[2],
        "sweep_late": late,
        "sweep_late_spells": sorted(set(scored)),
        "sweep_late_expected": sorted(
            {assignment.enrolment_id}
            | set(citizen.enrolments.values_list("pk", flat=True))
        ),
        "sweep_late_jobs": late_jobs,
    }


INPUTS = [
    "SELECT id, enrolment_id, municipality_id, round_date, team_id, caseworker_id, "
    "target_group_id, instrument_version_id FROM measurements_round "
    "WHERE state = 'complete'",
    "SELECT p.id, p.round_id, p.respondent FROM measurements_response p "
    "JOIN measurements_round r ON r.id = p.round_id "
    "WHERE r.state = 'complete' AND p.state = 'submitted'",
    "SELECT a.response_id, a.question_id, a.value FROM measurements_answer a "
    "JOIN measurements_response p ON p.id = a.response_id "
    "JOIN measurements_round r ON r.id = p.round_id "
    "WHERE r.state = 'complete' AND p.state = 'submitted' "
    "AND a.superseded_at IS NULL",
    'SELECT enrolment_id, caseworker_id, start, "end" FROM citizens_assignment',
]


def _floor() -> tuple[float, float]:
    """COPY TO of the inputs, then COPY FROM of the rows the recompute wrote."""
    from django.db import connection, transaction

    from bip.db import copy_out as dump

    started = time.perf_counter()
    for sql in INPUTS:
        dump(sql)
    read = time.perf_counter() - started
    written = []
    for table in ("measurements_score", "measurements_indicatorscore"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) "
                "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attname <> 'id'",
                [table],
            )
            (columns,) = cursor.fetchone()
        written.append((table, columns, dump(f"SELECT {columns} FROM {table}")))  # noqa: S608
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, text in written:
            cursor.execute(
                f'CREATE TEMP TABLE "copy_{table}" (LIKE "{table}" INCLUDING ALL)'
            )
            with cursor.cursor.copy(
                f'COPY "copy_{table}" ({columns}) FROM STDIN'
            ) as copy:
                copy.write(text)
        transaction.set_rollback(True)
    return read, time.perf_counter() - started


def _naive(sample: int) -> dict:
    """Round by round through the ORM: the round, its spell's complete rounds up to
    it with their parts and answers and assignments read per round, the scores
    computed for the spell and this round's rows saved one by one."""
    import pandas as pd
    from django.db import transaction
    from django.utils import timezone

    from citizens.models import Assignment
    from measurements.models import (
        Answer,
        IndicatorScore,
        Response,
        Round,
        Score,
    )
    from measurements.scoring.panel import read_assignments, read_rounds
    from measurements.scoring.recompute import (
        Context,
        _float,
        contributions,
        score_frames,
    )
    from measurements.scoring.versions import active_model

    ids = list(
        Round.objects.filter(state=Round.State.COMPLETE)
        .order_by("pk")
        .values_list("pk", flat=True)[:sample]
    )
    contexts: dict[int, Context] = {}
    started = time.perf_counter()
    with transaction.atomic():
        for pk in ids:
            rnd = Round.objects.get(pk=pk)
            ctx = contexts.get(rnd.municipality_id)
            if ctx is None:
                ctx = contexts[rnd.municipality_id] = Context.load(
                    municipality_id=rnd.municipality_id,
                    model_version_id=active_model(
                        municipality_id=rnd.municipality_id
                    ).pk,
                )
            spell = Round.objects.filter(
                enrolment_id=rnd.enrolment_id,
                state=Round.State.COMPLETE,
                round_date__lte=rnd.round_date,
            )
            rounds = read_rounds(spell)
            parts, answers = [], []
            for round_id in rounds["round_id"]:
                for part in Response.objects.filter(
                    round_id=round_id, state=Response.State.SUBMITTED
                ):
                    parts.append((part.round_id, part.respondent))
                    for a in Answer.objects.filter(
                        response=part, superseded_at__isnull=True
                    ):
                        if a.question_id in ctx.indicators:
                            answers.append(
                                (
                                    part.round_id,
                                    part.respondent,
                                    ctx.indicators[a.question_id],
                                    a.value,
                                )
                            )
            computed = score_frames(
                ctx,
                rounds,
                pd.DataFrame(
                    answers, columns=["round_id", "respondent", "indicator", "value"]
                ),
                pd.DataFrame(parts, columns=["round_id", "respondent"]),
                read_assignments(
                    Assignment.objects.filter(enrolment_id=rnd.enrolment_id)
                ),
            )
            row = computed.panel[computed.panel["round_id"] == pk]
            part = contributions(row, computed.moved, ctx.coefficients)[0]
            r = next(row.itertuples(index=False))
            now = timezone.now()
            Score.objects.filter(round_id=pk).delete()
            Score.objects.create(
                municipality_id=rnd.municipality_id,
                round_id=pk,
                model_version_id=ctx.model_version_id,
                lp=float(r.lp),
                hazard_q=float(r.hazard_q),
                p12=float(r.p12),
                indicator_lp=float(r.indicator_lp),
                delta_indicator_lp=_float(r.delta_indicator_lp),
                klass=r.klass,
                contributions=part,
                inputs_hash=r.inputs_hash,
                computed_at=now,
            )
            IndicatorScore.objects.filter(round_id=pk).delete()
            table = computed.table[computed.table["round_id"] == pk]
            for t in table.itertuples(index=False):
                IndicatorScore.objects.create(
                    municipality_id=rnd.municipality_id,
                    round_id=pk,
                    respondent=t.respondent,
                    indicator=t.indicator,
                    value=_float(t.value),
                    n_answered=int(t.n_answered),
                    delta_previous=_float(t.delta_previous),
                    delta_baseline=_float(t.delta_baseline),
                    changed_previous=bool(t.changed_previous),
                    changed_baseline=bool(t.changed_baseline),
                    inputs_hash=r.inputs_hash,
                    computed_at=now,
                )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"rounds": len(ids), "seconds": seconds}


# --- the parent ---


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, nargs="+", default=[100_000])
    parser.add_argument("--municipalities", type=int, default=98)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=10_000)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="worker processes sharing the municipalities' jobs (each a run)",
    )
    parser.add_argument("--child", choices=["full", "naive", "jobs"])
    parser.add_argument("--ids", default="")
    args = parser.parse_args()
    if args.child:
        _setup()
        if args.child == "jobs":
            result = _run_jobs([int(i) for i in args.ids.split(",") if i])
        elif args.child == "full":
            result = _full_recompute(args.workers[0])
        else:
            result = _naive(args.naive_sample)
        print(json.dumps(result))
        return
    rows, sweeps = [], []
    fast_per_round = {}
    for rounds in args.rounds:
        ensure_national(rounds, rounds // 4, args.municipalities)
        for workers in args.workers if args.repeat else []:
            runs = []
            for _ in range(args.repeat):
                runs.append(
                    child(
                        clone(database_name(rounds)),
                        "--child",
                        "full",
                        "--workers",
                        str(workers),
                    )
                )
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
            full = statistics.median(r["seconds"] for r in runs)
            floor = statistics.median(r["floor_read"] + r["floor_write"] for r in runs)
            ratios = [r["seconds"] / (r["floor_read"] + r["floor_write"]) for r in runs]
            n = runs[0]["rounds"]
            if workers == 1:
                fast_per_round[rounds] = 1000 * full / n
            s = runs[-1]
            same = (
                "the same"
                if s["sweep_late_spells"] == s["sweep_late_expected"]
                else f"expected {len(s['sweep_late_expected'])}"
            )
            sweeps.append(
                f"| {n:,} | {1000 * s['sweep_nothing']:.1f} ms "
                f"| {1000 * s['sweep_nothing'] / n:.5f} ms "
                f"| {s['sweep_nothing_spells']} / {s['sweep_nothing_jobs']} "
                f"| {1000 * s['sweep_late']:.0f} ms, {s['sweep_late_jobs']} jobs "
                f"| {len(s['sweep_late_spells'])} "
                f"({same}) |"
            )
            rows.append(
                f"| {n:,} | {workers} | {len(runs)} | {full:.1f} s "
                f"| {1000 * full / n:.3f} ms "
                f"| {statistics.median(r['cpu'] for r in runs):.1f} s "
                f"| {floor:.1f} s | {statistics.median(ratios):.2f} "
                f"({', '.join(f'{x:.2f}' for x in ratios)}) "
                f"| {runs[0]['scores']:,} / {runs[0]['indicator_scores']:,} |"
            )
    print(
        f"PostgreSQL 15 and the benchmark on the same machine, {os.cpu_count()} "
        "cores; each worker (a process of its own when there are several) does its "
        "share of the municipalities' jobs in turn, the largest first.\n"
    )
    print(
        "| rounds | workers | repetitions | full recompute (median) | per round "
        "| workers' CPU "
        "| floor: COPY TO of the inputs + COPY FROM of the score rows (median) "
        "| recompute / floor: median (each run) | scores / indicator scores written |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    print("\n".join(rows))
    print(
        "\nFigure 2, the nightly sweep, on the same data after each full recompute "
        "(every score current):\n"
    )
    print(
        "| rounds | sweep with nothing changed (median of 3, last run) | per round "
        "| spells scored / jobs | late change: birth date corrected + new "
        "assignment: sweep and its jobs | spells scored (expected) |"
    )
    print("|---:|---:|---:|---|---:|---|")
    for line in sweeps:
        print(line)
    if args.naive_sample:
        smallest = min(args.rounds)
        naive = child(
            clone(database_name(smallest)),
            "--child",
            "naive",
            "--naive-sample",
            str(args.naive_sample),
        )
        per_round = 1000 * naive["seconds"] / naive["rounds"]
        fast = fast_per_round.get(smallest)
        print(
            f"\nThe naive per-round ORM path on a sample of {naive['rounds']:,} rounds "
            f"of the {smallest:,}-round dataset: {naive['seconds']:.1f} s, "
            f"{per_round:.2f} ms per round"
            + (
                f"; the full recompute above: {fast:.3f} ms per round, "
                f"{per_round / fast:.0f} times faster per round."
                if fast
                else " (no full recompute in this run: --repeat 0)."
            )
        )


if __name__ == "__main__":
    main()

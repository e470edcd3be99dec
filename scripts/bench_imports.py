"""Benchmark of the imports on PostgreSQL, as a municipality's first load: a synthetic
cohort written as the documented files (citizens, historic rounds with one answer a
row, outcomes), each checked and saved by the real job code in a worker process of
its own (its peak memory measured), with PostgreSQL's COPY of the same file into a
table as the reference, in the same run. With --repeat N the whole load runs N times,
each on a new database (a save cannot be repeated on the same one), and the medians
are reported. Writes a Markdown section to stdout.

Usage: python scripts/bench_imports.py [--rows 1000000] [--outcomes 20000] [--repeat 3]
Uses the database BENCH_DATABASE_URL (default: bip_bench on 127.0.0.1), which it
drops and creates: never point it at real data.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

url = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bip_bench"
)
os.environ["DATABASE_URL"] = url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bip.settings_test")
CHILD = "--run-job" in sys.argv
if not CHILD:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

WORKERS = ("bench_anne", "bench_bo", "bench_carl", "bench_dina")
ANSWERS_PER_ROUND = 20  # 11 case-worker and 9 citizen questions


def run_job_here(job_id: int) -> None:
    """The worker process: run one job, print its peak memory."""
    from bip.jobs.services import job_run

    settings.STORAGES["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ["BENCH_MEDIA"]},
    }
    # the jobs a save creates (the recompute of the scores) wait in the table: this
    # benchmark measures the import itself
    settings.BIP_JOBS_IN_PROCESS = True
    start = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(job_run, job_id=job_id)
        pstats.Stats(profile, stream=sys.stderr).sort_stats(
            os.environ.get("BENCH_PROFILE_SORT", "cumulative")
        ).print_stats(40)
    else:
        job_run(job_id=job_id)
    seconds = time.perf_counter() - start
    print(json.dumps({"peak_mb": peak_rss_mb(), "seconds": seconds}))


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started: VmHWM belongs to the
    address space exec made (ru_maxrss would carry the parent's peak from the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_job(job_id: int, media: str) -> tuple[float, float]:
    """Run a job in a worker process; (seconds the job took, the process's peak
    memory in MB). BENCH_PROFILE=1 prints a profile of each job to stderr."""
    out = subprocess.run(
        [sys.executable, __file__, "--run-job", str(job_id)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "BENCH_MEDIA": media},
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    seconds, peak = figures["seconds"], figures["peak_mb"]
    from bip.jobs.models import Job

    job = Job.objects.get(pk=job_id)
    if job.state != "done":
        raise SystemExit(f"job {job.kind} failed: {job.error}")
    return seconds, peak


def setup() -> tuple[object, object]:
    from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User

    muni = Municipality.objects.create(code="0998", name="Importkommune")
    unit = Unit.objects.create(municipality=muni, name="Jobcenter")
    team = Team.objects.create(unit=unit, municipality=muni, name="Team Import")
    admin = User.objects.create(username="bench_admin")
    Membership.objects.create(
        user=admin,
        municipality=muni,
        role=Role.MUNICIPAL_ADMIN,
        valid_from=date(2019, 1, 1),
    )
    for name in WORKERS:
        user = User.objects.create(username=name)
        Membership.objects.create(
            user=user,
            municipality=muni,
            team=team,
            role=Role.CASEWORKER,
            valid_from=date(2019, 1, 1),
        )
    return muni, admin


def outcome_rows(files: object, wanted: int) -> list[list[str]]:
    """A register extract: the cohort's jobs and, for volume, benefit returns every
    30 days (never within the 14 days that merge two outcomes)."""
    rows = list(files.outcomes)  # type: ignore[attr-defined]
    numbers = list(files.cpr_of.values())  # type: ignore[attr-defined]
    rounds_of_all = -(-wanted // len(numbers))  # the last one ends before today
    day = date.today() - timedelta(days=30 * (rounds_of_all + 1))  # noqa: DTZ011
    i = 0
    while len(rows) - 1 < wanted:
        rows.append([numbers[i % len(numbers)], "tilbage på ydelse", f"{day:%d-%m-%Y}"])
        i += 1
        if i % len(numbers) == 0:
            day += timedelta(days=30)
    return rows


def copy_reference(path: Path, columns: int) -> float:
    """PostgreSQL's COPY of the same file into a table of text columns."""
    cols = ", ".join(f"c{i} text" for i in range(columns))
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE copy_ref ({cols})")
        with (
            path.open("rb") as fh,
            cursor.cursor.copy(
                "COPY copy_ref FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
            ) as copy,
        ):
            while data := fh.read(1 << 20):
                copy.write(data)
        cursor.execute("DROP TABLE copy_ref")
    return time.perf_counter() - start


FIELDS = ("kind", "n", "size", "check_s", "check_mb", "save_s", "save_mb", "copy_s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--outcomes", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="one run's figures")
    parser.add_argument("--run-job", type=int)
    args = parser.parse_args()
    if args.run_job:
        run_job_here(args.run_job)
        return
    if args.json:
        print(json.dumps(measure(args)))
        return
    runs = []
    for _ in range(args.repeat):  # each run in a process of its own, on a new database
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--rows",
                str(args.rows),
                "--outcomes",
                str(args.outcomes),
                "--json",
            ],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    report(runs)


def measure(args: argparse.Namespace) -> dict[str, object]:
    """One municipality's first load; its figures."""
    from django.core.files import File

    from bip.imports.models import ImportBatch
    from bip.imports.services import batch_create, commit_request
    from measurements.synthetic import cohort as synthetic
    from measurements.synthetic.files import cohort_files, to_csv

    call_command("migrate", verbosity=0)
    settings.BIP_JOBS_IN_PROCESS = True  # jobs are run by the worker processes below
    muni, admin = setup()
    # about 7.5 complete rounds a citizen with 20 answers each, fewer citizen parts
    citizens = max(50, round(args.rows / 140))
    cohort = synthetic.generate(n_citizens=citizens, seed=21)
    files = cohort_files(cohort, team="Team Import", caseworkers=WORKERS, seed=21)
    tmp = Path(tempfile.mkdtemp(prefix="bip-bench-imports-"))
    media = str(tmp / "media")
    paths = {
        "citizens": files.citizens,
        "rounds": files.rounds,
        "outcomes": outcome_rows(files, args.outcomes),
    }
    table = []
    for kind, rows in paths.items():
        path = tmp / f"{kind}.csv"
        path.write_bytes(to_csv(rows))
        settings.STORAGES["default"] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        }
        options = {"outcomes_known_until": "2026-11-01"} if kind == "outcomes" else {}
        with path.open("rb") as fh:
            batch = batch_create(
                kind=kind,
                upload=File(fh, name=path.name),
                municipality_id=muni.pk,
                by=admin,
                options=options,
            )
        n = len(rows) - 1
        check_s, check_mb = run_job(batch.parse_job_id, media)
        batch = ImportBatch.objects.get(pk=batch.pk)
        if batch.rows_error or batch.file_errors:
            raise SystemExit(f"{kind}: the check found errors")
        batch = commit_request(batch=batch, by=admin)
        save_s, save_mb = run_job(batch.commit_job_id, media)
        reference = copy_reference(path, len(rows[0]))
        table.append(
            (
                kind,
                n,
                path.stat().st_size,
                check_s,
                check_mb,
                save_s,
                save_mb,
                reference,
            )
        )
    from measurements.models import Answer, Round

    return {
        "citizens": citizens,
        "rounds": Round.objects.count(),
        "answers": Answer.objects.count(),
        "pg": connection.pg_version // 10000,
        "table": [dict(zip(FIELDS, row, strict=True)) for row in table],
    }


def report(runs: list[dict[str, object]]) -> None:
    first = runs[0]
    print(
        f"A municipality's first load: {first['citizens']:,} synthetic citizens, "
        f"{first['rounds']:,} rounds, {first['answers']:,} answers; each job in a "
        f"worker process of its own; {len(runs)} run(s), each on a new database, "
        f"medians (a worker peak: the highest); PostgreSQL {first['pg']}, "
        f"{os.cpu_count()} cores.\n"
    )
    print(
        "| file | rows | size | check: rows/s | check: worker peak | save: rows/s "
        "| save: worker peak | COPY of the file: rows/s | save / COPY time "
        "| runs: check / save / COPY rows/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for i, row in enumerate(first["table"]):  # type: ignore[arg-type]
        each = [r["table"][i] for r in runs]  # type: ignore[index]
        n, size = row["n"], row["size"]
        check_s = statistics.median(e["check_s"] for e in each)
        save_s = statistics.median(e["save_s"] for e in each)
        copy_s = statistics.median(e["copy_s"] for e in each)
        check_mb = max(e["check_mb"] for e in each)
        save_mb = max(e["save_mb"] for e in each)
        listed = ", ".join(
            f"{n / e['check_s']:,.0f} / {n / e['save_s']:,.0f} / {n / e['copy_s']:,.0f}"
            for e in each
        )
        print(
            f"| {row['kind']} | {n:,} | {size / 1e6:.0f} MB | {n / check_s:,.0f} "
            f"({check_s:.0f} s) | {check_mb:.0f} MB | {n / save_s:,.0f} ({save_s:.0f} s) "
            f"| {save_mb:.0f} MB | {n / copy_s:,.0f} | {save_s / copy_s:.1f} | {listed} |"
        )
    print(
        "\nTargets (issue: statistics and imports on a municipality's real history): "
        "the rounds save and the outcomes save at least 5,000 rows per second each; "
        "a 1,000,000-row rounds file checked and saved with the worker under 300 MB. "
        "The check has no target of its own; COPY of the same rows is the reference."
    )


if __name__ == "__main__":
    sys.exit(main())

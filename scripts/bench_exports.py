"""Benchmark of the exports on PostgreSQL: N rounds written with COPY, the wide
pseudonymised CSV export run by the real job code in a worker process of its own
(its peak memory measured), against psql's `\\copy` of the same query to a CSV file
in the same run, each repeated (alternating) and the medians reported. Writes a
Markdown section to stdout.

Usage: python scripts/bench_exports.py [--rounds 100000 1000000] [--repeat 3]
    [--layout wide|long]
With --layout long, each round's two parts are answered (about 22 answers a round):
the long layout writes a row per answer.
Uses the database BENCH_DATABASE_URL (default: bip_bench_exports on 127.0.0.1), which
it drops and creates: never point it at real data.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

url = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bip_bench_exports"
)
os.environ["DATABASE_URL"] = url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bip.settings_test")
CHILD = "--run-job" in sys.argv

import django  # noqa: E402
import psycopg  # noqa: E402

if not CHILD:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_job_here(job_id: int) -> None:
    from bip.jobs.services import job_run

    settings.STORAGES["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ["BENCH_MEDIA"]},
    }
    start = time.perf_counter()
    job_run(job_id=job_id)
    print(
        json.dumps({"peak_mb": peak_rss_mb(), "seconds": time.perf_counter() - start})
    )


def setup() -> tuple[object, object, object]:
    from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User

    muni = Municipality.objects.create(code="0997", name="Udtrækskommune")
    unit = Unit.objects.create(municipality=muni, name="Jobcenter")
    team = Team.objects.create(unit=unit, municipality=muni, name="Team Udtræk")
    analyst = User.objects.create(username="bench_analyst")
    Membership.objects.create(
        user=analyst, municipality=muni, role=Role.ANALYST, valid_from=date(2019, 1, 1)
    )
    return muni, team, analyst


def psql_copy(sql: str, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            "psql",
            url,
            "-q",
            "-c",
            "SET jit = off",  # as the export's own session (bip/db.py stream_sql)
            "-c",
            f"\\copy ({sql}) TO '{out}' WITH (FORMAT csv, HEADER)",
        ],
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--layout", choices=["wide", "long"], default="wide")
    args = parser.parse_args()
    long = args.layout == "long"
    call_command("migrate", verbosity=0)
    from measurements.synthetic.bulk import bulk_rounds
    from reports.exports.layouts import layout_for
    from reports.exports.services import export_request
    from reports.models import Export

    settings.BIP_JOBS_IN_PROCESS = True  # the job runs in the child below
    muni, team, analyst = setup()
    written = 0
    lines = [
        "| rounds | file rows | export: seconds (median) | export: rows/s"
        " | worker peak (highest)"
        " | psql `\\copy` of the same query: seconds (median) | export / `\\copy`"
        " | runs: export / `\\copy` seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in sorted(args.rounds):
        written += bulk_rounds(
            team=team, created_by=analyst.pk, rounds=n - written, seed=n, answers=long
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        runs, copies, peaks = [], [], []
        for _ in range(args.repeat):
            with transaction.atomic():
                export = export_request(
                    by=analyst,
                    municipality_id=muni.pk,
                    layout=args.layout,
                    format="csv",
                )
            with tempfile.TemporaryDirectory() as media:
                out = subprocess.run(
                    [sys.executable, __file__, "--run-job", str(export.job_id)],
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "BENCH_MEDIA": media},
                )
                figures = json.loads(out.stdout.strip().splitlines()[-1])
                export = Export.objects.select_related("job").get(pk=export.pk)
                expected = layout_for(export).count() if long else n
                if export.job.state != "done" or export.rows != expected:
                    raise SystemExit(f"export failed: {export.job.error}")
                sql, params = layout_for(export).queryset.query.sql_with_params()
                connection.ensure_connection()
                query = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
                copies.append(psql_copy(query, Path(media) / "copy.csv"))
            runs.append(figures["seconds"])
            peaks.append(figures["peak_mb"])
            file_rows = export.rows
        seconds, reference = statistics.median(runs), statistics.median(copies)
        each = ", ".join(
            f"{a:.1f} / {b:.1f}" for a, b in zip(runs, copies, strict=True)
        )
        lines.append(
            f"| {n:,} | {file_rows:,} | {seconds:.1f} | {file_rows / seconds:,.0f}"
            f" | {max(peaks):.0f} MB"
            f" | {reference:.1f} | {seconds / reference:.2f} | {each} |"
        )
    print(
        f"The {args.layout} layout, pseudonymised, CSV in a zip with its codebook; rounds"
        " with two indicator scores each"
        + (", both parts answered (a row per answer)" if long else "")
        + ", written with COPY (`measurements/synthetic/bulk.py`). The"
        " export runs the job code in a process of its own; its peak is that process's"
        " resident peak (VmHWM), Django and the app included. `\\copy` writes the"
        " export's own SQL (the same rows and aggregates) as plain CSV: the database's"
        " share of the work (without JIT compilation, as the export's own session)."
        f" {args.repeat} runs of each, alternating, medians;"
        f" PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} cores.\n"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    if CHILD:
        run_job_here(int(sys.argv[sys.argv.index("--run-job") + 1]))
    else:
        main()

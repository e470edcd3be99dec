"""Benchmark of scaling out: the score recompute of several municipalities (one job
each, trigger "activation", as when a model is activated) by one and by two real
Celery worker processes (concurrency 1 each, production settings), in the same run,
each run on a fresh copy of the same database. Writes a Markdown section to stdout.

Usage: python scripts/bench_workers.py [--municipalities 12] [--spells 200]
       [--repeats 3]
WORKERS_DATABASE_URL (default bip_load_workers on 127.0.0.1) is dropped and created for
every run from WORKERS_DATABASE_URL + "_base", which this script builds first; never
point them at real data. BENCH_REDIS_URL (default redis://127.0.0.1:6379/14) is
flushed before every run.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import bench_env

URL = os.environ.get(
    "WORKERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bip_load_workers"
)
BASE = URL + "_base"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PER_SPELL = 5
POPULATE = "--populate" in sys.argv

bench_env.use(BASE if POPULATE else URL, REDIS)

import django  # noqa: E402

if POPULATE:
    django.setup()


def populate(municipalities: int, spells: int) -> None:
    """Spells of five quarterly rounds with both parts answered in each of
    `municipalities` municipalities, written by the synthetic-data writer."""
    from django.core.management import call_command
    from django.db import connection

    from bip.accounts.models import Municipality, Team, Unit, User
    from measurements.synthetic.uniform import uniform_spells
    from measurements.synthetic.writer import write_spells

    call_command("migrate", verbosity=0)
    for i in range(municipalities):
        muni = Municipality.objects.create(code=f"09{i:02d}", name=f"Skalakommune {i}")
        unit = Unit.objects.create(municipality=muni, name="Jobcenter")
        team = Team.objects.create(unit=unit, municipality=muni, name="Team")
        worker = User.objects.create(username=f"bench{i}")
        write_spells(
            uniform_spells(
                n=spells,
                caseworker=worker.pk,
                per_spell=PER_SPELL,
                seed=i,
                start=date(2022, 1, 3),
                first_round=date(2022, 1, 10),
                name="Skalaborger",
                channel="import",
            ),
            team=team,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Workers:
    """`n` Celery worker processes as docker-compose.yml runs one, concurrency 1."""

    def __init__(self, n: int, logs: Path) -> None:
        self.procs = []
        self.logs = [logs / f"worker{i}.log" for i in range(n)]
        for i, log in enumerate(self.logs):
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "bip",
                        "worker",
                        "-l",
                        "info",
                        "--concurrency",
                        "1",
                        "-n",
                        f"bench{i}@%h",
                        "--without-mingle",
                        "--without-gossip",
                    ],
                    env={**os.environ},
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 120
        while not all(" ready." in log.read_text() for log in self.logs):
            if time.monotonic() > deadline or any(
                p.poll() is not None for p in self.procs
            ):
                raise SystemExit("a worker did not start:\n" + self.tail())
            time.sleep(0.2)

    def tail(self) -> str:
        return "\n".join(log.read_text()[-2000:] for log in self.logs)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)


def one_run(n_workers: int, timeout: float = 1800) -> dict[str, float]:
    """A fresh copy of the base database, `n_workers` workers, one recompute job per
    municipality; seconds until every recompute is done and until every job (the
    dashboards' and associations' refreshes they request) is done."""
    import redis
    from django.db import connections, transaction

    connections.close_all()
    bench_env.recreate(URL, template=BASE.rsplit("/", 1)[1])
    redis.Redis.from_url(REDIS).flushdb()
    from bip.accounts.models import Municipality
    from bip.jobs.models import Job
    from measurements.models import Round, Score
    from measurements.scoring.recompute import KIND, scores_request

    with tempfile.TemporaryDirectory() as logs:
        workers = Workers(n_workers, Path(logs))
        try:
            ids = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
            start = time.monotonic()
            with transaction.atomic():
                for pk in ids:
                    scores_request(municipality_id=pk, trigger="activation")
            scores_done = None
            while True:
                jobs = list(Job.objects.values_list("kind", "state"))
                if any(state == "failed" for _, state in jobs):
                    raise SystemExit("a job failed:\n" + workers.tail())
                if scores_done is None and all(
                    state == "done" for kind, state in jobs if kind == KIND
                ):
                    scores_done = time.monotonic() - start
                if all(state == "done" for _, state in jobs):
                    all_done = time.monotonic() - start
                    break
                if time.monotonic() - start > timeout:
                    raise SystemExit("timed out:\n" + workers.tail())
                time.sleep(0.1)
        finally:
            workers.stop()
    rounds = Round.objects.filter(state="complete").count()
    current = Score.objects.filter(superseded_at__isnull=True)
    if not current.count() == Score.objects.count() == rounds:
        raise SystemExit("a round was not scored exactly once")
    claims = set(Job.objects.filter(kind=KIND).values_list("attempts", flat=True))
    if claims != {1}:
        raise SystemExit(f"a job was claimed more than once: {claims}")
    connections.close_all()
    return {"scores": scores_done, "all": all_done, "rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--municipalities", type=int, default=12)
    parser.add_argument("--spells", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    base_name = BASE.rsplit("/", 1)[1]
    bench_env.recreate(BASE)
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--populate",
            str(args.municipalities),
            str(args.spells),
        ],
        check=True,
    )
    django.setup()
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for rep in range(args.repeats):
        for n in (1, 2) if rep % 2 == 0 else (2, 1):  # alternate which goes first
            runs[n].append(one_run(n))
    rounds = runs[1][0]["rounds"]
    one, two = (median(r["scores"] for r in runs[n]) for n in (1, 2))
    one_all, two_all = (median(r["all"] for r in runs[n]) for n in (1, 2))
    print(
        f"{args.municipalities} municipalities, {args.spells} spells of {PER_SPELL}"
        f" rounds each ({rounds:,} rounds), one recompute job per municipality"
        f" (trigger activation). Each run starts from a fresh copy of the same database"
        f" ({base_name}); the workers are `celery -A bip worker --concurrency 1` with"
        f" the production settings (`scripts/bench_env.py`), Redis as the broker; the"
        f" time runs from the enqueue to the last job's end. Runs of 1 and 2 workers"
        f" alternate; medians of {args.repeats}. Machine: {os.cpu_count()} cores,"
        f" {platform.python_implementation()} {platform.python_version()}, PostgreSQL"
        f" 15 on the same machine.\n"
    )
    print(
        "| workers | recompute of all municipalities: s (runs) | rounds/s | all jobs incl. the refreshes they request: s |"
    )
    print("|---:|---:|---:|---:|")
    for n, med, med_all in ((1, one, one_all), (2, two, two_all)):
        each = ", ".join(f"{r['scores']:.1f}" for r in runs[n])
        print(f"| {n} | {med:.1f} ({each}) | {rounds / med:,.0f} | {med_all:.1f} |")
    print(
        f"\nThroughput of two workers over one: **{one / two:.2f}x** for the"
        f" recompute ({one_all / two_all:.2f}x for all jobs). Every run: every complete"
        " round has exactly one score, each job was claimed once."
    )


if __name__ == "__main__":
    if POPULATE:
        i = sys.argv.index("--populate")
        populate(int(sys.argv[i + 1]), int(sys.argv[i + 2]))
    else:
        main()

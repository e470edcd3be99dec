"""Web load benchmark: locust (headless, bounded in users and time) against gunicorn
on 127.0.0.1 with the production settings, beside one Celery worker as in
docker-compose.yml. Case workers browse their caseload, open citizen pages and their
dashboard and submit rounds (scripts/locustfile.py); /healthz is asked in the same
run. Writes a Markdown section to stdout: median and 95th percentile per page and
the requests per second, medians over the runs. Any failed request fails the run.

Usage: python scripts/bench_load.py [--users 50] [--seconds 60] [--repeats 3]
       [--template DB] [--reuse | --build-only]
LOAD_DATABASE_URL (default bip_load_web on 127.0.0.1) is dropped and created (from
--template, e.g. a benchmark database with a national volume of rounds, when given),
then a municipality of case workers with their caseloads is added; never point it at
real data. Redis db 14 is the broker. gunicorn listens on 127.0.0.1:8031.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import bench_env

URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bip_load_web"
)
REDIS = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
PORT = 8031
TEAMS = 5
CASELOAD = 60  # citizens per case worker
ENV = bench_env.use(URL, REDIS)
ENV_DJANGO = {**ENV, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver"}
os.environ["DJANGO_ALLOWED_HOSTS"] = ENV_DJANGO["DJANGO_ALLOWED_HOSTS"]

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402


def build(users: int, template: str | None) -> float:
    """A municipality of `users` case workers in TEAMS teams, each with CASELOAD
    citizens (the demo's caseload generator: rounds with answers, interventions,
    outcomes), scored and with dashboards, by the jobs the worker runs."""
    from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User
    from bip.jobs.services import job_run
    from measurements.scoring.recompute import scores_request
    from measurements.synthetic.caseload import caseload_spells, open_target_groups
    from measurements.synthetic.episodes import Catalogue
    from measurements.synthetic.writer import write_spells
    from reports.aggregates import dashboards_request

    started = time.perf_counter()
    connections.close_all()
    bench_env.recreate(URL, template=template)
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)  # noqa: S311 - synthetic data
    muni = Municipality.objects.create(code="0998", name="Belastningskommune")
    today = date.today()  # noqa: DTZ011 - the caseloads are dated relative to today
    per_team = -(-users // TEAMS)
    n = 0
    units = [
        Unit.objects.create(municipality=muni, name=f"Jobcenter {u}") for u in range(2)
    ]
    for t in range(TEAMS):
        unit = units[t % 2]
        team = Team.objects.create(unit=unit, municipality=muni, name=f"Team {t}")
        workers = []
        for _ in range(min(per_team, users - n)):
            n += 1
            u = User.objects.create(username=f"belastning{n}")
            Membership.objects.create(
                user=u,
                municipality=muni,
                team=team,
                role=Role.CASEWORKER,
                valid_from="2019-01-01",
            )
            workers.append(u)
        with transaction.atomic():
            write_spells(
                caseload_spells(
                    rng,
                    n=CASELOAD * len(workers),
                    caseworkers=[w.pk for w in workers],
                    today=today,
                    target_groups=open_target_groups(),
                    catalogue=Catalogue.load(),
                ),
                team=team,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with transaction.atomic():
        job = scores_request(municipality_id=muni.pk, trigger="activation")
    job_run(job_id=job.pk)
    with transaction.atomic():
        job = dashboards_request(municipality_id=muni.pk)
    job_run(job_id=job.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def sessions(path: Path) -> int:
    """A signed-in session and a CSRF secret per case worker, and the citizens of
    their caseload with an open spell (a round can start for them)."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from bip.accounts.models import User
    from citizens.models import Enrolment

    out = []
    for user in User.objects.filter(username__startswith="belastning").order_by("pk"):
        client = Client()
        client.force_login(user)
        citizens = sorted(
            set(
                Enrolment.objects.filter(
                    end__isnull=True, citizen__caseworker=user
                ).values_list("citizen_id", flat=True)
            )
        )
        out.append(
            {
                "session": client.cookies["sessionid"].value,
                "csrf": _get_new_csrf_string(),
                "citizens": citizens,
            }
        )
    path.write_text(json.dumps(out))
    return sum(len(u["citizens"]) for u in out)


class Service:
    def __init__(self, name: str, argv: list[str], logs: Path, env: dict[str, str]):
        self.log = logs / f"{name}.log"
        self.proc = subprocess.Popen(
            argv,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def healthz(timeout: float) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:  # noqa: S310
            return r.status == 200
    except OSError:
        return False


def wait_for_web(workers: int, timeout: float = 300) -> None:
    """Until gunicorn answers, then until every worker has loaded the application
    (parallel requests), so the first requests of the load are not the loading."""
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + timeout
    while not healthz(30):
        if time.monotonic() > deadline:
            raise SystemExit("gunicorn did not answer")
        time.sleep(0.5)
    with ThreadPoolExecutor(2 * workers) as pool:
        for _ in range(5):
            if not all(pool.map(lambda _: healthz(60), range(4 * workers))):
                raise SystemExit("gunicorn did not answer")


def run(users: int, seconds: int, users_file: Path, logs: Path, k: int) -> list[dict]:
    prefix = logs / f"run{k}"
    env = {**ENV, "BENCH_LOAD_USERS": str(users_file)}
    subprocess.run(
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(Path(__file__).parent / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            "10",
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,  # locust exits 1 when a request failed: the stats say which
        stdout=(logs / f"locust{k}.log").open("w"),
        stderr=subprocess.STDOUT,
        timeout=seconds + 120,
    )
    with open(f"{prefix}_stats.csv") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--template", default=None)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    built = None if args.reuse else build(args.users, args.template)
    if args.build_only:
        print(f"built in {built:.0f} s", file=sys.stderr)
        return
    from django.conf import settings

    from citizens.models import Citizen
    from measurements.models import Round

    volume = (Citizen.objects.count(), Round.objects.count())
    workers = 2 * (os.cpu_count() or 1) + 1
    logs = bench_env.ROOT / "var" / "bench-load"  # locust's CSV files and the logs
    logs.mkdir(parents=True, exist_ok=True)
    users_file = logs / "users.json"
    open_spells = sessions(users_file)
    connections.close_all()
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    web_env = {
        **ENV,
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{PORT}",
        "WEB_CONCURRENCY": str(workers),
    }
    # the image's commands (Dockerfile CMD, docker-compose.yml worker)
    bin_dir = Path(sys.executable).parent
    web = Service(
        "web",
        [str(bin_dir / "gunicorn"), "bip.wsgi:application", "--timeout", "60"],
        logs,
        web_env,
    )
    worker = Service(
        "worker",
        [
            str(bin_dir / "celery"),
            "-A",
            "bip",
            "worker",
            "-l",
            "warning",
            "--concurrency",
            "1",
        ],
        logs,
        ENV,
    )
    # beat, as docker-compose.yml runs it: its sweeper sends the dashboards' refresh
    # that saved rounds queue (BIP_DASHBOARDS_DELAY)
    beat = Service(
        "beat",
        [
            str(bin_dir / "celery"),
            "-A",
            "bip",
            "beat",
            "-l",
            "warning",
            "--schedule",
            str(logs / "celerybeat-schedule"),
        ],
        logs,
        ENV,
    )
    runs = []
    try:
        wait_for_web(workers)
        for k in range(args.repeats):
            runs.append(run(args.users, args.seconds, users_file, logs, k))
    finally:
        web.stop()
        worker.stop()
        beat.stop()
        errors = [
            line
            for line in web.log.read_text().splitlines()
            if "Traceback" in line or "ERROR" in line
        ]
    if errors:
        print("\n".join(errors[:20]), file=sys.stderr)
    names = list(
        dict.fromkeys(
            r["Name"] for run_ in runs for r in run_ if r["Name"] != "Aggregated"
        )
    )
    failures = sum(int(r["Failure Count"]) for run_ in runs for r in run_)
    print(
        f"{args.users} simulated case workers (`scripts/locustfile.py`: caseload,"
        " citizen page, own dashboard, /healthz, and a round started, opened and"
        f" submitted with both parts; 1-3 s between clicks), spawned at 10/s, each run"
        f" {args.seconds} s, {args.repeats} runs, medians of the runs (locust rounds"
        " its percentiles to two significant digits). gunicorn with"
        f" {workers} workers (2 x cores + 1) on 127.0.0.1:{PORT}, the production"
        " settings (`scripts/bench_env.py`: DEBUG off, HTTPS behind the proxy, secrets"
        " from files), one Celery worker scoring the submitted rounds and refreshing"
        " the dashboards (at most every"
        f" {settings.BIP_DASHBOARDS_DELAY} s while rounds are saved), and beat."
        " Database:"
        f" {volume[0]:,} citizens, {volume[1]:,} rounds;"
        f" the load municipality: {args.users} case workers with {CASELOAD} citizens"
        f" each ({open_spells:,} open spells)."
        + (f" Built in {built:.0f} s." if built else "")
        + f" Machine: {os.cpu_count()} cores, {platform.python_implementation()}"
        f" {platform.python_version()}, PostgreSQL 15 and the load generator on the"
        " same machine.\n"
    )
    print(
        "| page | requests | failures | median ms | 95th percentile ms | requests/s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name in [*names, "Aggregated"]:
        rows = [r for run_ in runs for r in run_ if r["Name"] == name]
        req = sum(int(r["Request Count"]) for r in rows)
        fail = sum(int(r["Failure Count"]) for r in rows)
        med = median(float(r["50%"]) for r in rows)
        p95 = median(float(r["95%"]) for r in rows)
        rps = median(float(r["Requests/s"]) for r in rows)
        p95s = ", ".join(r["95%"] for r in rows)
        label = "all requests" if name == "Aggregated" else name
        print(
            f"| {label} | {req:,} | {fail} | {med:.0f} | {p95:.0f} ({p95s}) | {rps:.1f} |"
        )
    print(f"\nFailed requests: {failures}.")
    if failures:
        raise SystemExit("requests failed")


if __name__ == "__main__":
    main()

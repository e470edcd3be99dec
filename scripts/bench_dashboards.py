"""Benchmark of the dashboard pages at two sizes of the database (default 100,000 and
1,000,000 rounds), measured in the same run: the server time of each page (Django's
test client in this process, the production settings) and its number of queries.
Writes a Markdown section to stdout.

The rounds are spread evenly over MUNICIPALITIES municipalities of two job centres
with two teams each, written with COPY (`measurements/synthetic/bulk.py`); their
scores are written in SQL (a class and a 12-month probability drawn from the round's
id, as the recompute would store them); then the real dashboards job runs for every
municipality. With 10 municipalities, the measured one holds a tenth of the rounds,
about the share of the largest Danish municipality.

Usage: python scripts/bench_dashboards.py [--rounds 100000 1000000] [--reuse]
Uses the databases bip_load_dash_<rounds> on 127.0.0.1 (DASHBOARD_DATABASE_PREFIX),
which it drops and creates (or, with --reuse, keeps when a complete build is there):
never point them at real data.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import bench_env

PREFIX = os.environ.get(
    "DASHBOARD_DATABASE_PREFIX", "postgres://postgres@127.0.0.1:5432/bip_load_dash_"
)
MUNICIPALITIES = 10
REPEATS = 15

bench_env.use(PREFIX + "0", "redis://127.0.0.1:6379/14")
os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,testserver"  # the test client's host

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402


def use_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connections.close_all()
    for alias in ("default", "audit"):
        settings.DATABASES[alias]["NAME"] = name
        connections[alias].settings_dict["NAME"] = name


def complete(url: str) -> bool:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres") as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = %s",
            [name],
        ).fetchone()
    return bool(row and row[0] == "bench complete")


def log(what: str, started: float) -> None:
    print(f"{time.perf_counter() - started:7.0f} s  {what}", file=sys.stderr)


def build(url: str, rounds: int) -> float:
    from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User
    from bip.jobs.services import job_run
    from measurements.scoring.versions import active_model
    from measurements.synthetic.bulk import bulk_rounds
    from reports.aggregates import dashboards_request

    started = time.perf_counter()
    connections.close_all()
    bench_env.recreate(url)
    use_database(url)
    call_command("migrate", verbosity=0)
    per_team = rounds // MUNICIPALITIES // 4
    writer = User.objects.create(username="bench_writer")
    for i in range(MUNICIPALITIES):
        muni = Municipality.objects.create(code=f"08{i:02d}", name=f"Tavlekommune {i}")
        for u in range(2):
            unit = Unit.objects.create(municipality=muni, name=f"Jobcenter {u}")
            for t in range(2):
                team = Team.objects.create(
                    unit=unit, municipality=muni, name=f"Team {u}.{t}"
                )
                bulk_rounds(
                    team=team,
                    created_by=writer.pk,
                    rounds=per_team,
                    seed=i * 4 + u * 2 + t,
                )
                if i == 0 and u == 0:
                    leader, _ = User.objects.get_or_create(username="bench_leader")
                    Membership.objects.create(
                        user=leader,
                        municipality=muni,
                        team=team,
                        role=Role.TEAM_LEADER,
                        valid_from="2019-01-01",
                    )
        admin = User.objects.create(username=f"bench_admin{i}")
        Membership.objects.create(
            user=admin,
            municipality=muni,
            role=Role.MUNICIPAL_ADMIN,
            valid_from="2019-01-01",
        )
        with connection.cursor() as cursor:
            # the first round of a spell has no class (the baseline)
            cursor.execute(
                """
                INSERT INTO measurements_score (lp, hazard_q, p12, indicator_lp,
                    delta_indicator_lp, klass, contributions, inputs_hash, computed_at,
                    model_version_id, municipality_id, round_id)
                SELECT -2.0, p / 4, p, -1.0, CASE WHEN first THEN NULL ELSE 0.1 END,
                    CASE WHEN first THEN ''
                         WHEN r.id * 7919 %% 10 < 4 THEN 'progress'
                         WHEN r.id * 7919 %% 10 < 8 THEN 'standstill'
                         ELSE 'regression' END,
                    '{}'::jsonb, md5(r.id::text), now(), %s, r.municipality_id, r.id
                FROM (SELECT id, municipality_id,
                        (id * 2654435761 %% 997) / 997.0 AS p,
                        round_date = min(round_date) OVER (PARTITION BY enrolment_id)
                            AS first
                      FROM measurements_round WHERE municipality_id = %s) r
                """,
                [active_model(municipality_id=muni.pk).pk, muni.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"{rounds:,} rounds and scores written", started)
    for muni in Municipality.objects.order_by("pk"):
        with transaction.atomic():
            job = dashboards_request(municipality_id=muni.pk)
        job_run(job_id=job.pk)
        job.refresh_from_db()
        if job.state != "done":
            raise SystemExit(f"the dashboards job failed: {job.error}")
        log(f"dashboards of {muni.code}", started)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            f'COMMENT ON DATABASE "{url.rsplit("/", 1)[1]}" IS %s', ["bench complete"]
        )
    return time.perf_counter() - started


def pages() -> list[tuple[str, str]]:
    from django.urls import reverse

    from bip.accounts.models import Team, Unit

    unit = Unit.objects.filter(municipality__code="0800").order_by("pk").first()
    team = Team.objects.filter(unit=unit).order_by("pk").first()
    return [
        ("job centre", reverse("reports:dashboard_unit", args=[unit.pk])),
        ("team", reverse("reports:dashboard_team", args=[team.pk])),
        (
            'team: citizens behind "done"',
            reverse("reports:dashboard_team_citizens", args=[team.pk]) + "?figure=done",
        ),
        (
            'job centre: citizens behind "progress"',
            reverse("reports:dashboard_unit_citizens", args=[unit.pk])
            + "?figure=class&category=progress",
        ),
        (
            'job centre: citizens behind "done", page 20',
            reverse("reports:dashboard_unit_citizens", args=[unit.pk])
            + "?figure=done&page=20",
        ),
    ]


def measure(url: str) -> dict[str, tuple[float, int]]:
    """Each page once, as the team leader: seconds and queries."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bip.accounts.models import User

    use_database(url)
    client = Client()
    client.force_login(User.objects.get(username="bench_leader"))
    out = {}
    for name, path in pages():
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(path, secure=True)
            seconds = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        out[name] = (seconds, len(ctx.captured_queries))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    sizes = sorted(args.rounds)
    urls = {n: f"{PREFIX}{n // 1000}k" for n in sizes}
    built = {}
    for n in sizes:
        if not (args.reuse and complete(urls[n])):
            built[n] = build(urls[n], n)
    for n in sizes:  # warm: the first request of a process loads templates and code
        measure(urls[n])
    times: dict[int, dict[str, list[float]]] = {n: {} for n in sizes}
    queries: dict[int, dict[str, int]] = {n: {} for n in sizes}
    for _ in range(REPEATS):
        for n in sizes:  # the sizes alternate: a busy moment hits both
            for name, (seconds, q) in measure(urls[n]).items():
                times[n].setdefault(name, []).append(seconds)
                queries[n][name] = q
    small, large = sizes[0], sizes[-1]
    use_database(urls[small])
    from reports.models import DashboardCell, DashboardMember

    sizes_text = []
    for n in sizes:
        use_database(urls[n])
        sizes_text.append(
            f"{n:,} rounds: {DashboardCell.objects.count():,} cells,"
            f" {DashboardMember.objects.count():,} members"
        )
    print(
        f"Rounds spread over {MUNICIPALITIES} municipalities (two job centres of two"
        " teams each); the pages are the first job centre's and team's of the first"
        " municipality (a tenth of the rounds), opened by its team leader. Server time"
        " = Django's test client in this process with the production settings"
        f" (`scripts/bench_env.py`), median of {REPEATS}, the sizes alternating."
        f" Databases: {'; '.join(sizes_text)}."
        + (
            " Built in this run: "
            + ", ".join(f"{n:,} rounds in {s:.0f} s" for n, s in built.items())
            + "."
            if built
            else " Databases kept from an earlier build (--reuse)."
        )
        + f" Machine: {os.cpu_count()} cores, {platform.python_implementation()}"
        f" {platform.python_version()}, PostgreSQL 15 on the same machine.\n"
    )
    print(
        f"| page | {small:,}: ms | {large:,}: ms | ratio (target ≤ 1.5) |"
        f" queries at {small:,} / {large:,} |"
    )
    print("|---|---:|---:|---:|---:|")
    worst = 0.0
    for name in times[small]:
        a, b = median(times[small][name]) * 1000, median(times[large][name]) * 1000
        worst = max(worst, b / a)
        print(
            f"| {name} | {a:.0f} | {b:.0f} | {b / a:.2f} |"
            f" {queries[small][name]} / {queries[large][name]} |"
        )
    print(f"\nHighest ratio: {worst:.2f}.")


if __name__ == "__main__":
    main()

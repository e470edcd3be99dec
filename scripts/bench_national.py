"""The national-scale dataset for the benchmarks, built once and cached in a database
of its own.

    from scripts.bench_national import ensure_national
    url = ensure_national(rounds=1_000_000, citizens=250_000, municipalities=98)

`ensure_national(rounds=1_000_000, citizens=250_000, municipalities=98, *,
scores=False) -> str` returns the database URL of a PostgreSQL database holding that
many municipalities (units, teams of about 400 citizens, a case worker per 40), that
many citizens with one spell each, and exactly that many complete rounds with both
respondents' answers (the citizen's part missing in about one in five), intervention
episodes and outcomes, written with COPY by measurements.synthetic (national.py).
Scores are not computed unless `scores=True` asks (then every municipality's
recompute job has run). The database is bip_national for 1,000,000 rounds and
bip_national_<rounds/1000>k otherwise (bip_national_100k); its table
bench_national_source holds a fingerprint of the generator (the synthetic package's
source, this script, the sizes), and the database is dropped and built again only
when that fingerprint differs or is missing (a build that stopped half-way has none).
A cached database is migrated to the current schema before it is returned. Callers
may read it and run recomputes in it; a benchmark that must start from no scores
deletes them itself (or copies the database with CREATE DATABASE ... TEMPLATE).

Command line (prints the dataset's figures as Markdown):
    python scripts/bench_national.py [--rounds 1000000] [--citizens 250000]
        [--municipalities 98] [--scores]
Never point it at real data: it drops the database it owns.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import subprocess
import sys
import time

import psycopg

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
META = "bench_national_source"


def database_name(rounds: int) -> str:
    return "bip_national" if rounds == 1_000_000 else f"bip_national_{rounds // 1000}k"


def fingerprint(rounds: int, citizens: int, municipalities: int, scores: bool) -> str:
    """The generator's source (the synthetic package and this script) and the sizes."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "measurements" / "synthetic").glob("*.py"))
    for path in [*files, pathlib.Path(__file__).resolve()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(f"{rounds}/{citizens}/{municipalities}/{scores}".encode())
    return digest.hexdigest()


def _stored(url: str) -> str | None:
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (META,)).fetchone()
            if not row or not row[0]:
                return None
            found = conn.execute(f"SELECT fingerprint FROM {META}").fetchone()  # noqa: S608
            return found[0] if found else None
    except psycopg.OperationalError:  # no such database
        return None


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE=env.get("DJANGO_SETTINGS_MODULE", "bip.settings_test"),
        PYTHONPATH=str(ROOT),
    )
    return env


def ensure_national(
    rounds: int = 1_000_000,
    citizens: int = 250_000,
    municipalities: int = 98,
    *,
    scores: bool = False,
) -> str:
    """The URL of the national dataset of these sizes, built if not cached (above)."""
    name = database_name(rounds)
    url = f"{SERVER}/{name}"
    wanted = fingerprint(rounds, citizens, municipalities, scores)
    if _stored(url) == wanted:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],
            check=True,
            env=_env(url),
        )
        return url
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--build",
            "--rounds",
            str(rounds),
            "--citizens",
            str(citizens),
            "--municipalities",
            str(municipalities),
            *(["--scores"] if scores else []),
        ],
        check=True,
        env=_env(url),
    )
    return url


def _build(args: argparse.Namespace) -> None:
    """In the database DATABASE_URL names: migrate, write, analyse, score if asked,
    and the fingerprint last."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from measurements.synthetic.national import NationalSize, write_national

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    write_national(
        NationalSize(args.municipalities, args.citizens, args.rounds),
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if args.scores:
        from bip.accounts.models import Municipality
        from bip.jobs.services import job_run
        from measurements.scoring.recompute import scores_request

        settings.BIP_JOBS_IN_PROCESS = True
        for pk in Municipality.objects.order_by("pk").values_list("pk", flat=True):
            job_run(job_id=scores_request(municipality_id=pk, trigger="bench").pk)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {META} (fingerprint text NOT NULL, built_at timestamptz "
            "NOT NULL DEFAULT now(), seconds double precision NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {META} (fingerprint, seconds) VALUES (%s, %s)",  # noqa: S608
            [
                fingerprint(
                    args.rounds, args.citizens, args.municipalities, args.scores
                ),
                seconds,
            ],
        )


def describe(url: str) -> str:
    """The dataset's figures as Markdown."""
    tables = [
        ("municipalities", "accounts_municipality"),
        ("teams", "accounts_team"),
        ("case workers", "accounts_membership"),
        ("citizens", "citizens_citizen"),
        ("spells", "citizens_enrolment"),
        ("assignments", "citizens_assignment"),
        ("rounds", "measurements_round"),
        ("answers", "measurements_answer"),
        ("intervention episodes", "interventions_interventionepisode"),
        ("outcomes", "interventions_outcome"),
        ("scores", "measurements_score"),
    ]
    lines = ["| table | rows |", "|---|---:|"]
    with psycopg.connect(url) as conn:
        for label, table in tables:
            (n,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
            lines.append(f"| {label} | {n:,} |")
        built_at, seconds = conn.execute(
            f"SELECT built_at, seconds FROM {META}"  # noqa: S608
        ).fetchone()
        (size,) = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    head = (
        f"Database {url.rsplit('/', 1)[1]}, built {built_at:%Y-%m-%d %H:%M} UTC in "
        f"{seconds / 60:.0f} min (migrations, COPY writes, ANALYZE), {size} on disk.\n"
    )
    return head + "\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--citizens", type=int, default=250_000)
    parser.add_argument("--municipalities", type=int, default=98)
    parser.add_argument("--scores", action="store_true")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        _build(args)
        return
    url = ensure_national(
        args.rounds, args.citizens, args.municipalities, scores=args.scores
    )
    print(describe(url))


if __name__ == "__main__":
    main()

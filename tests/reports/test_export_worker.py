"""Exports run by a real Celery worker (DESIGN section 4, docs/exports.md): 200,000
rounds' wide export streams through the worker with its peak memory under a bound;
a worker killed in the middle of an export leaves a job the sweeper hands on, and
the next worker writes the complete file once."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, transaction

from bip.celery import app as celery_app
from bip.jobs.models import Job
from bip.jobs.services import jobs_sweep
from measurements.synthetic.bulk import bulk_rounds
from reports.exports.services import export_request
from reports.models import Export
from tests.jobs.workers import Worker, flush_broker, wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(240),
]
HOLD_KEY = 7_102_917
HEARTBEAT, STALE = 0.5, 3.0
INTERVALS = {"BIP_HEARTBEAT_SECONDS": str(HEARTBEAT), "BIP_JOB_STALE_AFTER": str(STALE)}
# the worker's peak may grow by at most this much while it exports 200,000 rounds;
# holding the rows would take several hundred MB (40 columns of Python objects)
GROWTH_BOUND_MB = 60


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def data_rows(media: Path, export: Export) -> list[list[str]]:
    with zipfile.ZipFile(media / export.file_name) as zf:
        name = next(n for n in zf.namelist() if not n.endswith("codebook.csv"))
        text = zf.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def request(analyst, world, **kwargs) -> Export:
    with transaction.atomic():
        return export_request(
            by=analyst,
            municipality_id=world.municipality.pk,
            layout="wide",
            format="csv",
            **kwargs,
        )


def finished(export: Export) -> bool:
    return Job.objects.get(pk=export.job_id).state in ("done", "failed")


def test_worker_exports_200000_rounds_in_flat_memory(
    tmp_path, world, analyst, caseworker
):
    bulk_rounds(team=world.team, created_by=caseworker.pk, rounds=200_000)
    flush_broker()
    worker = Worker(tmp_path, "export", BIP_EXPORT_CHUNK_ROWS="5000")
    celery_app.conf.task_always_eager = False
    try:
        # a warm-up job: the worker's imports and first connection, then the baseline
        warm = request(analyst, world, period_to=date(2000, 1, 1))
        wait_until(lambda: finished(warm), timeout=60, what="the warm-up export")
        baseline = rss_peak_mb(worker.proc.pid)
        started = time.monotonic()
        export = request(analyst, world)
        wait_until(lambda: finished(export), timeout=200, what="the large export")
        seconds = time.monotonic() - started
        peak = rss_peak_mb(worker.proc.pid)
    finally:
        celery_app.conf.task_always_eager = True
        worker.stop()
        flush_broker()
    export.refresh_from_db()
    assert export.job.state == "done", export.job.error
    assert export.rows == export.job.progress == export.job.total == 200_000
    rows = data_rows(tmp_path / "media", export)
    assert len(rows) == 200_001
    print(f"200,000 rounds in {seconds:.1f} s; peak {baseline:.0f} -> {peak:.0f} MB")
    assert peak - baseline < GROWTH_BOUND_MB, (baseline, peak)


def waiting_on_hold() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND NOT granted AND classid = 0 AND objid = %s",
            [HOLD_KEY],
        )
        return cursor.fetchone()[0] == 1


def test_worker_killed_mid_export_leaves_a_job_that_reruns_to_a_complete_file(
    tmp_path, world, analyst, caseworker, settings
):
    settings.BIP_HEARTBEAT_SECONDS, settings.BIP_JOB_STALE_AFTER = HEARTBEAT, STALE
    bulk_rounds(team=world.team, created_by=caseworker.pk, rounds=5_000)
    flush_broker()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [HOLD_KEY])
    first = Worker(
        tmp_path,
        "first",
        BIP_TEST_HOLD_LOCK=str(HOLD_KEY),
        BIP_EXPORT_CHUNK_ROWS="1000",
        **INTERVALS,
    )
    second = None
    celery_app.conf.task_always_eager = False
    try:
        export = request(analyst, world)
        wait_until(
            lambda: (
                Job.objects.get(pk=export.job_id).progress == 1000 and waiting_on_hold()
            ),
            timeout=90,
            what="the first worker to write one chunk and wait",
        )
        job = Job.objects.get(pk=export.job_id)
        assert (job.state, job.progress, job.total, job.attempts) == (
            "running",
            1000,
            5000,
            1,
        )
        second = Worker(tmp_path, "second", BIP_EXPORT_CHUNK_ROWS="1000", **INTERVALS)
        first.kill()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [HOLD_KEY])
        # nothing stored by the killed run
        assert Export.objects.get(pk=export.pk).file_name == ""
        wait_until(
            lambda: jobs_sweep()["requeued"] == 1,
            timeout=30,
            what="the sweeper to hand on the dead worker's job",
        )
        wait_until(lambda: finished(export), timeout=90, what="the second worker")
    finally:
        celery_app.conf.task_always_eager = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        if first.proc.poll() is None:
            first.kill()
        first.stop()
        if second is not None:
            second.stop()
        flush_broker()
    export.refresh_from_db()
    job = export.job
    assert job.state == "done", job.error
    assert (job.progress, job.total, job.takeovers, job.attempts) == (5000, 5000, 1, 2)
    rows = data_rows(tmp_path / "media", export)
    header, body = rows[0], rows[1:]
    assert len(body) == export.rows == 5000
    # complete and nothing twice: every (citizen, round number) once, 1,000 citizens
    keys = {(r[header.index("pid")], r[header.index("round_no")]) for r in body}
    assert len(keys) == 5000
    assert {r[header.index("round_no")] for r in body} == {"1", "2", "3", "4", "5"}
    stored = list((tmp_path / "media" / "exports").rglob("*.zip"))
    assert len(stored) == 1

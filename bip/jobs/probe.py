"""The worker check: a small job that proves the whole path web -> queue -> worker ->
database and file storage works, with visible progress. Started from the system page."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from bip.jobs.services import heartbeat

STEPS = ("database", "storage", "heartbeat")


KIND = "jobs.probe"


def run(claim: Any) -> None:
    done = claim.job.checkpoint.get("done", [])
    for step in STEPS:
        if step in done:
            continue  # resumed after a restart: never repeat a finished step
        if step == "database":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                assert cursor.fetchone()[0] == 1  # noqa: S101
        elif step == "storage":
            name = default_storage.save(
                f"probe/{uuid.uuid4().hex}.txt", ContentFile(b"ok")
            )
            with default_storage.open(name) as fh:
                if fh.read() != b"ok":
                    raise RuntimeError("file storage returned other bytes")
            default_storage.delete(name)
        elif step == "heartbeat":
            heartbeat("worker", detail=f"job {claim.job.pk}")
        done = [*done, step]
        with transaction.atomic():
            claim.advance(checkpoint={"done": done}, progress=1, total=len(STEPS))
    claim.job.result = {"steps": done}

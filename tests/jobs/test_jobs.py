from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from bip.jobs import registry, services, tasks
from bip.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_kind():
    calls = []

    def handler(claim):
        calls.append(claim.job.pk)
        with transaction.atomic():
            claim.advance(checkpoint={"n": 1}, progress=1, total=1)

    registry.register("tests.count", handler)
    return calls


def test_job_created_in_rolled_back_transaction_never_runs(
    counting_kind, django_capture_on_commit_callbacks
):
    def failing_write():
        with transaction.atomic():
            services.enqueue(kind="tests.count")
            raise RuntimeError("the business write failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_write()
    assert callbacks == []
    assert Job.objects.count() == 0
    assert counting_kind == []


def test_job_runs_after_commit(counting_kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enqueue(kind="tests.count")
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert (job.progress, job.total, job.attempts) == (1, 1, 1)
    assert counting_kind == [job.pk]


def test_broker_down_leaves_job_pending_and_sweeper_runs_it(
    counting_kind, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(
            tasks.job_run, "apply_async", side_effect=ConnectionError("redis down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = services.enqueue(kind="tests.count")
    job.refresh_from_db()
    assert job.state == Job.State.PENDING
    assert counting_kind == []
    # Within the grace period the sweeper leaves it; after it, the sweeper re-sends it.
    assert services.jobs_sweep()["requeued"] == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert services.jobs_sweep()["requeued"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert counting_kind == [job.pk]


def test_second_run_is_a_noop(counting_kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enqueue(kind="tests.count")
    tasks.job_run(job.pk)
    assert counting_kind == [job.pk]


def test_stale_claim_cannot_write(counting_kind):
    job = Job.objects.create(kind="tests.count")
    first = services.claim(job_id=job.pk)
    assert first is not None
    assert services.claim(job_id=job.pk) is None  # fresh heartbeat: not stale
    later = timezone.now() + timedelta(hours=1)
    second = services.claim(job_id=job.pk, now=later)
    assert second is not None
    assert second.token == first.token + 1
    with pytest.raises(services.StaleClaim):
        first.advance(progress=1)
    job.refresh_from_db()
    assert job.takeovers == 1


def test_job_that_keeps_dying_is_failed_by_sweeper(settings):
    settings.BIP_JOB_MAX_ATTEMPTS = 2
    job = Job.objects.create(
        kind="tests.count",
        state=Job.State.RUNNING,
        attempts=1,
        takeovers=1,
        heartbeat_at=timezone.now() - timedelta(hours=2),
    )
    assert services.jobs_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "too many times" in job.error


def test_handler_error_fails_the_job_with_the_error():
    def broken(claim):
        raise ValueError("bad parameters")

    registry.register("tests.broken", broken)
    job = Job.objects.create(kind="tests.broken")
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "bad parameters" in job.error


def test_task_options_are_spelt_right():
    assert tasks.job_run.autoretry_for
    assert tasks.job_run.max_retries == 5
    assert tasks.job_run.retry_backoff is True

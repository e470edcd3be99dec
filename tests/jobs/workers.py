"""A real Celery worker process for tests (DESIGN section 7): the test database, its
own Redis database, a filesystem MEDIA_ROOT, all passed through the environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection


def wait_until(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        threading.Event().wait(every)  # polling with a deadline, not a fixed wait
    raise AssertionError(f"timed out waiting for {what}")


class Worker:
    def __init__(self, tmp_path: Path, name: str = "worker", **env: str) -> None:
        broker = settings.CELERY_BROKER_URL  # the test settings' own Redis database
        self.log_path = tmp_path / f"{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bip.settings_test",
            "BIP_TEST_EAGER": "0",
            "BIP_TEST_DB_NAME": connection.settings_dict["NAME"],
            "BIP_TEST_MEDIA_ROOT": str(tmp_path / "media"),
            "REDIS_URL": broker,
            "CELERY_BROKER_URL": broker,
            **env,
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bip",
                "worker",
                "--pool",
                "solo",
                "-l",
                "info",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes it all
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean shutdown, as in a crash."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()
        print(self.log_path.read_text()[-3000:])


def flush_broker() -> None:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()

"""Case workers at work, for `scripts/bench_load.py` (figure: web load): each
simulated user is one case worker, signed in with a session made beforehand (the
login itself is rate limited), who opens the caseload, a citizen's page, their own
dashboard, and now and then records a round (start, open, submit both parts).
/healthz is asked as a load balancer would. Requests go to gunicorn on 127.0.0.1 as
the proxy sends them (X-Forwarded-Proto: https).

BENCH_LOAD_USERS names the JSON file of users: [{"session": ..., "csrf": ...,
"citizens": [ids of open spells on the caseload]}, ...].
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from datetime import date

from locust import HttpUser, between, task

USERS = json.loads(open(os.environ["BENCH_LOAD_USERS"]).read())  # noqa: SIM115
_next = itertools.count()
TODAY = date.today().isoformat()  # noqa: DTZ011 - the server's local day
QUESTION = re.compile(
    r'name="(q\d+)"[^>]*value="([1-5])"|value="([1-5])"[^>]*name="(q\d+)"'
)
LOCK = re.compile(
    r'name="lock_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock_version"'
)


class Caseworker(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        me = USERS[next(_next) % len(USERS)]
        self.citizens = me["citizens"]
        self.rng = random.Random(me["session"])  # noqa: S311 - load test choices
        origin = self.host.replace("http://", "https://")
        self.client.headers.update(
            {
                # the session and CSRF cookies are Secure: sent by hand, as a browser
                # behind the proxy would send them
                "Cookie": f"sessionid={me['session']}; csrftoken={me['csrf']}",
                "X-CSRFToken": me["csrf"],
                "X-Forwarded-Proto": "https",
                "Referer": origin + "/",
            }
        )

    def _get(self, path: str, name: str) -> str:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
            return r.text

    @task(6)
    def caseload(self) -> None:
        self._get("/citizens/", "caseload")

    @task(6)
    def citizen(self) -> None:
        self._get(f"/citizens/{self.rng.choice(self.citizens)}/", "citizen page")

    @task(2)
    def dashboard(self) -> None:
        self._get("/reports/dashboard/mine/", "own dashboard")

    @task(2)
    def healthz(self) -> None:
        self._get("/healthz", "/healthz")

    @task(1)
    def submit_round(self) -> None:
        citizen = self.rng.choice(self.citizens)
        with self.client.post(
            f"/rounds/start/{citizen}/",
            name="round: start",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302 or "/rounds/" not in r.headers.get("Location", ""):
                r.failure(f"{r.status_code} {r.headers.get('Location')}")
                return
            path = r.headers["Location"]
        page = self._get(path, "round: open")
        answers: dict[str, str] = {}
        for name, value, value2, name2 in QUESTION.findall(page):
            answers.setdefault(name or name2, "0")
            answers[name or name2] = str(self.rng.randint(1, 5))
            del value, value2
        lock = LOCK.search(page)
        data = {
            **answers,
            "lock_version": (lock.group(1) or lock.group(2)) if lock else "",
            "round_date": TODAY,
            "action": "submit_both",
        }
        with self.client.post(
            path,
            data=data,
            name="round: submit",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302 or not answers:
                r.failure(f"{r.status_code}: {len(answers)} answers, not saved")

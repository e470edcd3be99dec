"""The compose stack's own commands, run on this machine without Docker.

Each container becomes a process in its own copy of the image's files (the build
context as .dockerignore leaves it), with the environment compose gives it, translated
to this machine: the secrets written by scripts/make-secrets.sh, a scratch database,
the suite's Redis database, and one temporary folder standing in for the media volume,
the only thing web and worker share. Then a municipal admin imports citizens through
gunicorn, sending what the proxy sends, and the worker checks and saves them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests
from django.conf import settings

from tests.deploy import stack
from tests.jobs.workers import wait_until

pytestmark = pytest.mark.worker

SITE = "bip.example-kommune.dk"  # DJANGO_ALLOWED_HOSTS in .env.example
PASSWORD = "stack-test-password-7Q"
CSV = (
    "cpr;navn;team;sagsbehandler;startdato;målgruppe\n"
    "120385-1002;Mette Jensen;Team Ung;sagsbehandler1;06-01-2025;kontant_aktivitetsparat\n"
    "040592-1006;Ali Hansen;Team Ung;sagsbehandler1;15.03.2025;kontant_aktivitetsparat\n"
)
SETUP = textwrap.dedent(
    """
    from datetime import date
    from bip.accounts.models import Membership, Municipality, Role, Team, Unit, User

    muni = Municipality.objects.create(code="0990", name="Stakby Kommune")
    unit = Unit.objects.create(municipality=muni, name="Jobcenter Stakby")
    team = Team.objects.create(unit=unit, municipality=muni, name="Team Ung")
    day = date(2024, 1, 1)
    for name, role, on in (
        ("admin", Role.MUNICIPAL_ADMIN, None),
        ("sagsbehandler1", Role.CASEWORKER, team),
    ):
        user = User.objects.create_user(name, f"{name}@stakby.dk", "{password}")
        Membership.objects.create(
            user=user, municipality=muni, team=on, role=role, valid_from=day
        )
    """
).replace("{password}", PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_copy(target: Path) -> Path:
    """The image's /app: the build context less what .dockerignore leaves out."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(stack.ROOT).as_posix()
        prefix = "" if rel == "." else rel + "/"
        return {n for n in names if stack.docker_ignored(prefix + n)}

    shutil.copytree(stack.ROOT, target, ignore=ignore, symlinks=True)
    return target


class Processes:
    """Every process the test starts, each in its own process group, so that the
    cleanup ends them and their children whatever happened."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def run(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
        result = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, f"{name}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def start(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child holds its own descriptor
        self.running.append((name, proc))

    def alive(self) -> None:
        for name, proc in self.running:
            assert proc.poll() is None, f"{name} exited:\n{self.log(name)}"

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()[-4000:]

    def stop_all(self) -> None:
        for _name, proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in self.running:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


@pytest.fixture
def scratch_database() -> Iterator[str]:
    base = settings.DATABASES["default"]
    name = f"{base['NAME']}_stack"
    admin = (
        f"host={base['HOST'] or '127.0.0.1'} port={base['PORT'] or 5432} "
        f"user={base['USER']} dbname=postgres"
    )
    if base.get("PASSWORD"):
        admin += f" password={base['PASSWORD']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x")
    )
    yield urlunsplit(url._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def translate(
    env: dict[str, str], *, secrets: Path, media: Path, home: Path
) -> dict[str, str]:
    """The compose environment on this machine instead of in containers."""
    home.mkdir(exist_ok=True)
    out = {}
    for key, value in env.items():
        if value.startswith("/run/secrets/"):
            value = str(secrets / value.removeprefix("/run/secrets/"))
        out[key] = value
    assert out["BIP_MEDIA_ROOT"] == "/var/lib/bip/media"  # the declared volume
    out["BIP_MEDIA_ROOT"] = str(media)
    # the suite's own Redis database, flushed by the test, instead of redis:6379/0
    out["REDIS_URL"] = settings.CELERY_BROKER_URL
    return {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(home),  # gunicorn keeps its control socket there
        "LANG": "C.UTF-8",
        **out,
    }


def test_the_stack_imports_citizens_across_containers(tmp_path, scratch_database):
    secrets = tmp_path / "secrets"
    subprocess.run(
        ["sh", str(stack.ROOT / "scripts" / "make-secrets.sh"), str(secrets)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    assert "@db:5432/bip" in (secrets / "database_url").read_text()
    (secrets / "database_url").write_text(scratch_database + "\n")  # db -> scratch
    media = tmp_path / "media-volume"
    media.mkdir()
    dot_env = stack.env_file(stack.ROOT / ".env.example")  # `cp .env.example .env`
    env = {
        name: translate(
            stack.service(name, dot_env).environment,
            secrets=secrets,
            media=media,
            home=tmp_path / f"home-{name}",
        )
        for name in ("migrate", "web", "worker")
    }
    port = free_port()
    env["web"].update(
        PORT=str(port),  # the health check reads it too
        GUNICORN_CMD_ARGS=f"--bind 127.0.0.1:{port}",  # loopback, not 0.0.0.0
        WEB_CONCURRENCY="2",  # this machine's two cores
    )
    web_app = image_copy(tmp_path / "web-app")
    worker_app = image_copy(tmp_path / "worker-app")
    assert not (web_app / "tests").exists()
    assert not (web_app / "var").exists()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    procs = Processes(tmp_path)
    try:
        # the image's build step, then the one-shot migrate and the first users
        build = next(r for r in stack.dockerfile().runs if "collectstatic" in r)
        procs.run("build", ["sh", "-c", build], web_app, env["web"])
        procs.run("migrate", stack.service("migrate").command, web_app, env["migrate"])
        procs.run(
            "system admin",
            ["python", "manage.py", "createsuperuser", "--noinput"],
            web_app,
            {
                **env["migrate"],
                "DJANGO_SUPERUSER_USERNAME": "systemadmin",
                "DJANGO_SUPERUSER_EMAIL": "it@stakby.dk",
                "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            },
        )
        procs.run(
            "setup",
            ["python", "manage.py", "shell", "-c", SETUP],
            web_app,
            env["migrate"],
        )

        procs.start("web", stack.service("web").command, web_app, env["web"])
        procs.start(
            "worker", stack.service("worker").command, worker_app, env["worker"]
        )
        health = stack.compose()["services"]["web"]["healthcheck"]["test"][1:]

        def healthy() -> bool:
            procs.alive()
            return (
                subprocess.run(
                    health, cwd=web_app, env=env["web"], capture_output=True, timeout=15
                ).returncode
                == 0
            )

        wait_until(healthy, timeout=60, what="the web health check")

        browser = Browser(port)
        assert browser.get("/healthz").status_code == 200
        # without the proxy's header the site sends the browser to HTTPS
        plain = requests.get(
            f"http://127.0.0.1:{port}/login/",
            headers={"Host": SITE},
            allow_redirects=False,
            timeout=10,
        )
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://{SITE}/login/"

        r = browser.post_form(
            "/login/", {"username": "admin", "password": PASSWORD}, form_page="/login/"
        )
        assert r.status_code == 302, r.text[:2000]
        r = browser.post_form(
            "/imports/new/citizens/",
            {"encoding": "auto"},
            files={"file": ("borgere.csv", CSV.encode(), "text/csv")},
        )
        assert r.status_code == 302, r.text[:2000]
        batch_id = int(re.search(r"/imports/(\d+)/", r.headers["Location"])[1])

        db = Database(scratch_database, batch_id)
        wait_until(lambda: db.job_done("parse_job_id", procs), 60, "the check job")
        page = browser.get(f"/imports/{batch_id}/")
        assert page.status_code == 200
        r = browser.post_form(
            f"/imports/{batch_id}/commit/", {}, form_page=f"/imports/{batch_id}/"
        )
        assert r.status_code == 302, r.text[:2000]
        wait_until(lambda: db.job_done("commit_job_id", procs), 60, "the save job")

        assert db.citizens() == ["Ali Hansen", "Mette Jensen"]
        # the upload went to the shared volume, and was removed when the jobs ended
        assert (media / "imports" / str(batch_id)).is_dir()
        assert not any(p.is_file() for p in media.rglob("*"))
        for app in (web_app, worker_app):
            assert not (app / "var").exists()
    finally:
        procs.stop_all()
        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    assert all(p.poll() is not None for _n, p in procs.running)


class Browser:
    """A browser behind the proxy: gunicorn gets the site's Host and
    X-Forwarded-Proto: https, as Caddy sends them; secure cookies are kept."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {
            "Host": SITE,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{SITE}{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        r = requests.request(
            method,
            self.base + path,
            headers=headers,
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        for header in r.raw.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                assert morsel["secure"], f"{name} cookie is not Secure"
                self.cookies[name] = morsel.value
        return r

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)

    def post_form(
        self,
        path: str,
        data: dict[str, str],
        form_page: str | None = None,
        files: dict | None = None,
    ) -> requests.Response:
        page = self.get(form_page or path)
        assert page.status_code == 200, page.status_code
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        return self.request(
            "POST",
            path,
            data={**data, "csrfmiddlewaretoken": token[1]},
            files=files,
        )


class Database:
    def __init__(self, url: str, batch_id: int) -> None:
        self.url = url
        self.batch_id = batch_id

    def job_done(self, column: str, procs: Processes) -> bool:
        procs.alive()
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                f"SELECT j.state, j.error FROM imports_importbatch b "  # noqa: S608
                f"JOIN jobs_job j ON j.id = b.{column} WHERE b.id = %s",
                [self.batch_id],
            ).fetchone()
        if row is None:
            return False
        assert row[0] != "failed", row[1]
        return row[0] == "done"

    def citizens(self) -> list[str]:
        with psycopg.connect(self.url) as conn:
            rows = conn.execute("SELECT name FROM citizens_citizen ORDER BY name")
            return [name for (name,) in rows]

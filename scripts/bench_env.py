"""The production settings for the benchmarks that start real processes (gunicorn,
Celery workers): bip.settings with its secrets as files written by
scripts/make-secrets.sh (var/bench-secrets/, git-ignored), DEBUG off, HTTPS on and
behind a proxy as docker-compose.yml runs it, and no .env read. Every process of a
benchmark gets the same environment, so what one writes (CPR numbers) the others
read."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ROOT / "var" / "bench-secrets"


def production_env(database_url: str, redis_url: str) -> dict[str, str]:
    SECRETS.parent.mkdir(exist_ok=True)
    subprocess.run(
        ["sh", str(ROOT / "scripts" / "make-secrets.sh"), str(SECRETS)],
        check=True,
        capture_output=True,
    )
    return {
        "DJANGO_SETTINGS_MODULE": "bip.settings",
        "BIP_ENV_FILES": "",  # no var/.env or .env: only what is set here
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "BIP_HTTPS": "true",
        "BIP_BEHIND_PROXY": "true",  # the load sends what the proxy sends
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY_FILE": str(SECRETS / "django_secret_key"),
        "BIP_CPR_KEYS_FILE": str(SECRETS / "cpr_keys"),
        "BIP_CPR_HMAC_KEY_FILE": str(SECRETS / "cpr_hmac_key"),
        "BIP_PSEUDONYM_KEY_FILE": str(SECRETS / "pseudonym_key"),
        "BIP_MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "BIP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def use(database_url: str, redis_url: str) -> dict[str, str]:
    """Set this process's environment to the production one, with the static files
    collected; returns it."""
    env = production_env(database_url, redis_url)
    for name in ("DJANGO_SECRET_KEY", "BIP_CPR_KEYS", "BIP_CPR_HMAC_KEY"):
        os.environ.pop(name, None)
    os.environ.pop("BIP_PSEUDONYM_KEY", None)
    os.environ.update(env)
    # the production settings serve hashed static files: collected as the image does
    # (again only when a source file is newer than the manifest)
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    sources = (p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file())
    if manifest.exists() and max(sources, default=0) < manifest.stat().st_mtime:
        return {**os.environ}
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            str(ROOT / "manage.py"),
            "collectstatic",
            "--noinput",
            "--verbosity",
            "0",
        ],
        check=True,
        env={**os.environ},
    )
    return {**os.environ}


def recreate(url: str, template: str | None = None) -> None:
    """Drop and create the database of `url` (from `template` if given)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.startswith("bip_load"):  # the benchmark's own databases only
        raise SystemExit(f"{name}: not a benchmark database (bip_load...)")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(
            f'CREATE DATABASE "{name}"'
            + (f' TEMPLATE "{template}"' if template else "")
        )

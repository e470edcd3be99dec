from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 60 + "-production-like-secret-key",
    "DJANGO_ALLOWED_HOSTS": "bip.example.dk",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bip",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "BIP_CPR_KEYS": "k1:dGVzdC1rZXktb25lLWZvci1jcHItZW5jcnlwdGlvbiE=",
    "BIP_CPR_HMAC_KEY": "h",
    "BIP_PSEUDONYM_KEY": "p",
}


def run_settings(
    env: dict[str, str], code: str = "import django; django.setup()"
) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "BIP_", "DATABASE_URL", "REDIS_URL"))
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "bip.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"],
)
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_settings(env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_check_deploy_is_clean_under_production_env():
    result = run_settings(
        PRODUCTION_ENV,
        "import django; django.setup(); "
        "from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')",
    )
    assert result.returncode == 0, result.stderr


def test_https_follows_its_own_setting_not_debug():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    on = run_settings(PRODUCTION_ENV, code)
    off = run_settings(
        {**PRODUCTION_ENV, "BIP_HTTPS": "false", "DJANGO_DEBUG": "false"}, code
    )
    assert on.stdout.split() == ["True", "True", "31536000"]
    assert off.stdout.split() == ["False", "False", "0"]


def test_env_example_lists_every_variable_the_settings_read():
    settings_src = (ROOT / "bip" / "settings.py").read_text()
    read = set(
        re.findall(
            r'(?:env(?:\.\w+)?|required|env_secret)\(\s*"([A-Z_]+)"', settings_src
        )
    )
    example = {
        line.split("=")[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert read - example == set()


def test_celery_setting_names_are_real():
    """Celery accepts misspelt names silently: every CELERY_* setting must be known."""
    from celery.app.defaults import NAMESPACES, flatten
    from django.conf import settings

    known = {name for name, _ in flatten(NAMESPACES)}
    names = [n for n in dir(settings) if n.startswith("CELERY_")]
    assert len(names) > 10
    for name in names:
        key = name.removeprefix("CELERY_").lower()
        assert key in known, f"{name} is not a Celery setting"


def test_compose_file_describes_the_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:7")
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "bip", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "bip", "beat"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"

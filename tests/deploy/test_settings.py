from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    # what the process is given, nothing from a demo's var/.env beside it
    clean.update({"DJANGO_SETTINGS_MODULE": "bip.settings", "BIP_ENV_FILES": "", **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", list(PRODUCTION_ENV))
def test_production_refuses_to_start_without(missing):
    assert len(PRODUCTION_ENV) == 7
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_settings(env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    empty = run_settings({**PRODUCTION_ENV, missing: "  "})
    assert f"{missing} is not set" in empty.stderr


def test_file_secrets_win_over_plain_values_and_lose_their_newline(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text("from-the-file-" + "s" * 50 + "\n")
    url_file = tmp_path / "database_url"
    url_file.write_text("postgres://bip:pw@db.internal:5432/bipdb\n")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(repr(s.SECRET_KEY), d['NAME'], d['HOST'], d['PASSWORD'])"
    )
    result = run_settings(
        {
            **PRODUCTION_ENV,
            "DJANGO_SECRET_KEY_FILE": str(secret_file),
            "DATABASE_URL_FILE": str(url_file),
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        repr("from-the-file-" + "s" * 50),
        "bipdb",
        "db.internal",
        "pw",
    ]


def test_a_missing_secret_file_stops_the_start(tmp_path):
    result = run_settings(
        {**PRODUCTION_ENV, "BIP_CPR_HMAC_KEY_FILE": str(tmp_path / "absent")}
    )
    assert result.returncode != 0
    assert "absent" in result.stderr


def test_mail_settings_for_password_reset():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
        "s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)"
    )
    mail = {
        "EMAIL_HOST": "smtp.kommune.dk",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "bip",
        "EMAIL_HOST_PASSWORD": "pw",
        "EMAIL_USE_TLS": "true",
    }
    result = run_settings({**PRODUCTION_ENV, **mail}, code)
    assert result.stdout.split() == [
        "smtp.kommune.dk",
        "587",
        "bip",
        "pw",
        "True",
        "False",
        "10",
    ]
    both = run_settings({**PRODUCTION_ENV, **mail, "EMAIL_USE_SSL": "true"})
    assert "EMAIL_USE_TLS or EMAIL_USE_SSL" in both.stderr


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


def settings_variables() -> set[str]:
    """Every name bip/settings.py reads: env(...), env.<cast>(...), secret(...),
    required(...)."""
    source = (ROOT / "bip" / "settings.py").read_text()
    return set(
        re.findall(r'\b(?:env(?:\.\w+)?|required|secret)\(\s*"([A-Z0-9_]+)"', source)
    )


def test_env_example_lists_every_variable_the_settings_read():
    read = settings_variables()
    assert {"DJANGO_SECRET_KEY", "EMAIL_HOST_PASSWORD", "BIP_BEHIND_PROXY"} <= read
    assert len(read) > 40
    app_part = (ROOT / ".env.example").read_text().split("# --- docker compose only")[0]
    example = {
        line.split("=")[0].lstrip("# ").strip()
        for line in app_part.splitlines()
        if re.match(r"#? ?[A-Z0-9_]+=", line)
    }
    assert read - example == set()
    assert example - read == set(), "listed but never read"


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

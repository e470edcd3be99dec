"""Test settings: only overrides. The main suite runs on PostgreSQL and Redis."""

from __future__ import annotations

import os
from pathlib import Path

_TEST_ENV = {
    "DJANGO_SECRET_KEY": "test-secret-key-not-for-production-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bip",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    # Fernet keys (url-safe base64 of 32 bytes), fixed for tests only.
    "BIP_CPR_KEYS": "k1:dGVzdC1rZXktb25lLWZvci1jcHItZW5jcnlwdGlvbiE=,"
    "k0:b2xkLXRlc3Qta2V5LWZvci1jcHItZW5jcnlwdGlvbiE=",
    "BIP_CPR_HMAC_KEY": "test-hmac-key-for-cpr-lookups",
    "BIP_PSEUDONYM_KEY": "test-pseudonym-key",
    "BIP_HTTPS": "false",
}
for _name, _value in _TEST_ENV.items():
    os.environ.setdefault(_name, _value)

from bip.settings import *  # noqa: E402, F403
from bip.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks eagerly; tests that start a real worker switch this off, and
# start the worker with BIP_TEST_EAGER=0 and a filesystem MEDIA_ROOT.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("BIP_TEST_EAGER", "1") == "1"
if os.environ.get("BIP_TEST_MEDIA_ROOT"):
    MEDIA_ROOT = Path(os.environ["BIP_TEST_MEDIA_ROOT"])
    STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
CELERY_TASK_EAGER_PROPAGATES = True
BIP_JOBS_IN_PROCESS = False
BIP_IMPORT_SCORES_DELAY = 0  # tests of the quiet period set their own
BIP_DASHBOARDS_DELAY = 0  # likewise
# A worker started by the kill test waits on this advisory lock after each chunk.
BIP_TEST_HOLD_LOCK = int(os.environ.get("BIP_TEST_HOLD_LOCK", "0"))
DATABASES["default"]["CONN_MAX_AGE"] = 0
if "audit" in DATABASES:
    DATABASES["audit"]["CONN_MAX_AGE"] = 0
if os.environ.get("BIP_TEST_DB_NAME"):  # a worker started by a test: its database
    DATABASES["default"]["NAME"] = os.environ["BIP_TEST_DB_NAME"]
    if "audit" in DATABASES:
        DATABASES["audit"]["NAME"] = os.environ["BIP_TEST_DB_NAME"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# Serve static files from the app folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

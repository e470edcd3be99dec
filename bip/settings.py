"""Settings for every mode, read from the environment (django-environ).

Production is the default: it refuses to start without the seven variables that have
no default (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL,
BIP_CPR_KEYS, BIP_CPR_HMAC_KEY, BIP_PSEUDONYM_KEY). Any variable may instead be given
as NAME_FILE, the path of a file that holds it (Docker secrets). `make demo` sets
BIP_DEMO=1 and writes var/.env; tests use bip.settings_test.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# NAME_FILE wins over NAME: a secret mounted as a file is never shadowed by a stale
# value in .env.
env = environ.FileAwareEnv()
# `make demo` writes var/.env and a deployment may keep a .env; BIP_ENV_FILES names
# other files (separated by the path separator), and set empty reads none (the settings
# tests start production-like processes beside a demo's var/.env).
_env_files = os.environ.get("BIP_ENV_FILES")
for env_file in (
    [BASE_DIR / ".env", BASE_DIR / "var" / ".env"]
    if _env_files is None
    else [Path(f) for f in _env_files.split(os.pathsep) if f]
):
    if env_file.exists():
        env.read_env(str(env_file))


def secret(name: str, default: str = "") -> str:
    # Secret files usually end with a newline (`echo ... > file`); a key, password or
    # URL never does.
    return env.str(name, default=default).strip()


def required(name: str) -> str:
    value = secret(name)
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Production needs it; for a local demo run `make demo`."
        )
    return value


DEMO = env.bool("BIP_DEMO", default=False)  # set by `make demo` only
DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEMO:
    SECRET_KEY = required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
    DATABASES = {
        "default": environ.Env.db_url_config(
            secret("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}"
        )
    }
    REDIS_URL = secret("REDIS_URL")  # empty: in-process jobs
else:
    SECRET_KEY = required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = [h for h in required("DJANGO_ALLOWED_HOSTS").split(",") if h]
    DATABASES = {"default": environ.Env.db_url_config(required("DATABASE_URL"))}
    REDIS_URL = required("REDIS_URL")

# CPR encryption and keyed hashing (DESIGN section 1). Several keys for rotation:
# "id:key,id:key", the first is used for new values.
BIP_CPR_KEYS = required("BIP_CPR_KEYS")
BIP_CPR_HMAC_KEY = required("BIP_CPR_HMAC_KEY")
BIP_PSEUDONYM_KEY = required("BIP_PSEUDONYM_KEY")

# --- Database ---
# The audit alias reaches the same database over its own connection, so reads and
# denials are kept when a request's transaction rolls back (DESIGN section 3).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", 60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["audit"] = {**DATABASES["default"], "TEST": {}}
DATABASE_ROUTERS = ["bip.audit.router.AuditRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications ---
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # the default widget templates, for FORM_RENDERER below
    "rest_framework",
    "knox",  # hashed API tokens; the model is accounts.ApiToken
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "mozilla_django_oidc",
    "crispy_forms",
    "crispy_bootstrap5",
    "bip.accounts",
    "bip.audit",
    "bip.jobs",
    "bip.imports",
    "citizens",
    "measurements",
    "interventions",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bip.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bip.middleware.DanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bip.middleware.NoStoreMiddleware",
    "bip.accounts.middleware.ActiveMunicipalityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bip.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "bip.urls"
WSGI_APPLICATION = "bip.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out users
    "bip.accounts.backends.PersonBackend",  # ModelBackend, people only
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bip.accounts.context_processors.navigation",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so templates/ can override one (the admin's split
# date and time gets labels).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ---
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the language switch is remembered for a year
LANGUAGE_COOKIE_SECURE = env.bool("BIP_HTTPS", default=not DEMO)
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Copenhagen"
FORMAT_MODULE_PATH = ["bip.formats"]  # English dates day-month-year too
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("BIP_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security ---
HTTPS = env.bool("BIP_HTTPS", default=not DEMO)  # SSL redirect, secure cookies, HSTS
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BIP_BEHIND_PROXY", False) else None
)
# HSTS preload binds the municipality's whole domain: its decision, not the product's.
# axes.W006: lockout is per user name on purpose (see AXES_LOCKOUT_PARAMETERS).
SILENCED_SYSTEM_CHECKS = ["security.W021", "axes.W006"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # works with Redis down
SESSION_COOKIE_AGE = env.int("BIP_SESSION_SECONDS", default=8 * 3600)
# Logged out after this many seconds without a request; the page warns two minutes
# before and offers to stay logged in.
BIP_IDLE_TIMEOUT = env.int("BIP_IDLE_TIMEOUT", default=30 * 60)

# Content security policy: no inline scripts or styles, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Sign-in: lockout (django-axes, database handler: works with Redis down) ---
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("BIP_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("BIP_LOGIN_COOLOFF_MINUTES", default=30))
# Per user name, not per address: a whole job centre shares one public IP, and a
# per-address limit would lock out every colleague behind it.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = False  # unlocking is an action on the user in the admin
AXES_VERBOSE = False

# --- Sign-in: OIDC single sign-on against the municipality's identity provider ---
BIP_OIDC_ENABLED = env.bool("BIP_OIDC_ENABLED", default=False)
if BIP_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.insert(1, "bip.accounts.oidc.MunicipalOIDCBackend")
    OIDC_RP_CLIENT_ID = required("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = required("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = required("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = required("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = required("OIDC_OP_JWKS_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
    OIDC_OP_ISSUER = required("OIDC_OP_ISSUER")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_CREATE_USER = False  # a claim alone never creates a user with rights
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
# The claim that names an existing user, matched against User.<field>.
BIP_OIDC_USER_CLAIM = env("BIP_OIDC_USER_CLAIM", default="email")
BIP_OIDC_USER_FIELD = env("BIP_OIDC_USER_FIELD", default="email")
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Cache (rate limits) ---
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # A hung Redis costs a request one second, not a gunicorn timeout.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Email ---
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEMO
    else "django.core.mail.backends.smtp.EmailBackend",
)
# Password reset mails go through the municipality's mail relay.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, port 465
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # a hung relay never hangs a page
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="bip@localhost")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")

# --- REST framework ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # integrations: hashed tokens of integration accounts (DESIGN section 2);
        # first, so a request without credentials is told 401 with the scheme
        "bip.accounts.tokens.IntegrationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "bip.accounts.tokens.IntegrationAccess",
    ],
    "DEFAULT_PAGINATION_CLASS": "bip.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bip.exceptions.api_exception_handler",
    # per integration token (docs/api.md); BIP_API_TOKEN_RATE below
    "DEFAULT_THROTTLE_CLASSES": ["bip.throttling.TokenRateThrottle"],
}
BIP_API_TOKEN_RATE = env("BIP_API_TOKEN_RATE", default="1200/min")
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model name, not a secret
# knox's own migrations create the table of its default token model, which is swapped
# out for accounts.ApiToken: an orphan table with a key to every user. Not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_PREFIX": "bip_",  # lets secret scanners recognise a leaked token
    "AUTH_HEADER_PREFIX": "Bearer",
    "AUTO_REFRESH": False,  # a token lives until its expiry, set when it is issued
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BIP progression API",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "ENUM_NAME_OVERRIDES": {
        "OutcomeKindEnum": "interventions.models.Outcome.Kind",
        "ModelKindEnum": "measurements.models.ModelVersion.Kind",
    },
    "DESCRIPTION": "Citizens, enrolments, rounds with their answers, scores, model "
    "versions, interventions and outcomes of one municipality, scoped and audited as "
    "the pages. docs/api.md shows an incremental sync.",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery and durable jobs (DESIGN section 4) ---
# Without REDIS_URL (the demo) jobs run on a thread in the web process.
BIP_JOBS_IN_PROCESS = not REDIS_URL
CELERY_BROKER_URL = secret("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
# Above the hard time limit and the longest retry back-off, so a running task is not
# delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_ALWAYS_EAGER = False
# Heartbeats (DESIGN section 4). A worker process writes its liveness heartbeat, and a
# running job's heartbeat is renewed by its worker, every BIP_HEARTBEAT_SECONDS. A job
# whose heartbeat is older than BIP_JOB_STALE_AFTER (four missed beats) belonged to a
# dead worker: the sweeper, running twice as often, hands it on, so it moves on within
# about two minutes; /healthz shows a worker as down after three missed beats. The
# fencing token (Job.attempts) still guards against a worker that was only slow.
BIP_HEARTBEAT_SECONDS = env.float("BIP_HEARTBEAT_SECONDS", default=15.0)
BIP_JOB_STALE_AFTER = env.float(
    "BIP_JOB_STALE_AFTER", default=4 * BIP_HEARTBEAT_SECONDS
)  # seconds
BIP_WORKER_DOWN_AFTER = 3 * BIP_HEARTBEAT_SECONDS
if BIP_JOB_STALE_AFTER < 3 * BIP_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "BIP_JOB_STALE_AFTER must be at least three heartbeats "
        "(BIP_HEARTBEAT_SECONDS), or live workers' jobs would be taken over."
    )
CELERY_BEAT_SCHEDULE = {
    # re-enqueue pending and stale jobs, fail those out of attempts
    "jobs-sweep": {
        "task": "bip.jobs.tasks.jobs_sweep",
        "schedule": BIP_JOB_STALE_AFTER / 2,
    },
    # the beat heartbeat /healthz reports
    "jobs-heartbeat": {"task": "bip.jobs.tasks.beat_heartbeat", "schedule": 60.0},
    # audit partitions three months ahead, and retention
    "audit-maintain": {
        "task": "bip.audit.tasks.audit_maintain",
        "schedule": timedelta(hours=24),
    },
    # nightly: score every round without a current score of the active model, then
    # the intervention associations (one job per municipality)
    "measurements-scores-sweep": {
        "task": "measurements.tasks.scores_sweep",
        "schedule": crontab(hour=2, minute=30),
    },
    # nightly, after the score sweep: the dashboards (due dates move with the day)
    "reports-dashboards-refresh": {
        "task": "reports.tasks.dashboards_refresh",
        "schedule": crontab(hour=4, minute=0),
    },
    # hourly: delete the files of expired exports (docs/exports.md)
    "reports-exports-sweep": {
        "task": "reports.tasks.exports_sweep",
        "schedule": timedelta(hours=1),
    },
    # the first of each month: the previous month's pseudonymised export per
    # municipality
    "reports-exports-monthly": {
        "task": "reports.tasks.exports_monthly",
        "schedule": crontab(day_of_month=1, hour=5, minute=0),
    },
}
BIP_JOB_MAX_ATTEMPTS = env.int("BIP_JOB_MAX_ATTEMPTS", default=3)
BIP_JOB_PENDING_GRACE = env.int("BIP_JOB_PENDING_GRACE", default=30)  # seconds

# --- Scores (docs/model.md) ---
# A round is progress or regression when the indicator part of the quarterly odds of
# a job changes by at least this share since the previous round (0.10: 10%).
BIP_PROGRESSION_THRESHOLD = env.float("BIP_PROGRESSION_THRESHOLD", default=0.10)
# Rounds per chunk of a recompute job (whole spells; one transaction each, holding
# the municipality's lock for about a second at 2,000 rounds).
BIP_SCORES_CHUNK_ROUNDS = env.int("BIP_SCORES_CHUNK_ROUNDS", default=2000)
# Seconds the recompute after a saved import waits for the next import of the same
# municipality: several files saved in a row are scored by one job.
BIP_IMPORT_SCORES_DELAY = env.int("BIP_IMPORT_SCORES_DELAY", default=300)

# --- Dashboards (docs/dashboards.md) ---
# A refresh reads the whole municipality: after saved rounds it runs at once if the
# last one is at least this many seconds old, else when it is; saves meanwhile join it.
BIP_DASHBOARDS_DELAY = env.int("BIP_DASHBOARDS_DELAY", default=300)

# --- Exports (docs/exports.md) ---
BIP_EXPORT_RETENTION_DAYS = env.int("BIP_EXPORT_RETENTION_DAYS", default=7)
BIP_EXPORT_CHUNK_ROWS = env.int("BIP_EXPORT_CHUNK_ROWS", default=2000)
# SPSS and Stata files are written from one table in memory: at most this many rows
BIP_EXPORT_STATS_MAX_ROWS = env.int("BIP_EXPORT_STATS_MAX_ROWS", default=250_000)

# --- Audit ---
# Installation-wide: retention drops whole monthly partitions.
BIP_AUDIT_RETENTION_MONTHS = env.int("BIP_AUDIT_RETENTION_MONTHS", default=24)

# --- Logging ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("BIP_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # every login would log a line otherwise
    },
}

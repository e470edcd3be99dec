#!/usr/bin/env bash
# `make demo`: migrate, load synthetic demo data, serve on http://127.0.0.1:8000.
# Without DATABASE_URL: an SQLite file under var/ and jobs on a thread in the web
# process. With DATABASE_URL and REDIS_URL: PostgreSQL, Redis and a real Celery worker.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var
if [[ ! -f var/.env ]]; then
  echo "Writing var/.env with fresh random keys for this demo..."
  $PY - <<'PYEOF'
import secrets
from cryptography.fernet import Fernet
lines = [
    "BIP_DEMO=1",
    f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}",
    f"BIP_CPR_KEYS=demo1:{Fernet.generate_key().decode()}",
    f"BIP_CPR_HMAC_KEY={secrets.token_urlsafe(32)}",
    f"BIP_PSEUDONYM_KEY={secrets.token_urlsafe(32)}",
]
with open("var/.env", "w") as fh:
    fh.write("\n".join(lines) + "\n")
PYEOF
  chmod 600 var/.env
fi
export BIP_DEMO=1 DJANGO_SETTINGS_MODULE=bip.settings
$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0
$PY manage.py load_demo
ADDR="${BIND:-127.0.0.1:8000}"
echo
echo "Serving on http://$ADDR/ (Ctrl-C stops it)."
if [[ -n "${REDIS_URL:-}" ]]; then
  .venv/bin/celery -A bip worker -l info --concurrency 2 &
  worker=$!
  .venv/bin/celery -A bip beat -l info --schedule var/celerybeat-schedule &
  beat=$!
  trap 'kill $worker $beat 2>/dev/null' EXIT
  $PY manage.py runserver --noreload "$ADDR"
else
  BIP_START_JOB_THREAD=1 exec $PY manage.py runserver --noreload "$ADDR"
fi

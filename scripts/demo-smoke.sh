#!/usr/bin/env bash
# The demo smoke test (DESIGN section 7): a fresh SQLite database in a temporary folder,
# migrate, load a small demo, and GET each role's main pages in a separate process.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BIP_DEMO=1 DJANGO_SETTINGS_MODULE=bip.settings
export DATABASE_URL="sqlite:///$tmp/demo.sqlite3" REDIS_URL=""
export DJANGO_SECRET_KEY=smoke-test-secret-key-0123456789abcdefghijklmnop
export BIP_CPR_KEYS="smoke:$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
export BIP_CPR_HMAC_KEY=smoke-hmac BIP_PSEUDONYM_KEY=smoke-pseudonym BIP_MEDIA_ROOT="$tmp/media"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_demo --citizens-per-team 8 --cohort-citizens 50 >/dev/null
# the nightly sweep on SQLite (no change markers there: every spell is listed)
.venv/bin/python manage.py shell -v 0 -c "from measurements.scoring.recompute import changed_spells, scores_sweep; assert changed_spells(), 'no spells'; scores_sweep()"
PYTHONPATH="$PWD" .venv/bin/python scripts/demo_smoke.py

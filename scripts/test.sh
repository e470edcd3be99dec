#!/usr/bin/env bash
# `make test`: lint, migrations check, the whole suite on PostgreSQL and Redis, then a
# demo smoke test on SQLite in a separate process (DESIGN section 7).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=bip.settings_test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# The suite shares few cores with a Celery worker, a live server and a browser: one
# BLAS thread per process keeps the model fits' times steady instead of thrashing.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

bash scripts/ensure-services.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== import contracts (DESIGN section 0: imports go down only, no cycles)"
.venv/bin/lint-imports

echo "== mypy (the core and the scoring package)"
.venv/bin/mypy bip measurements/scoring

echo "== migrations are complete"
$PY manage.py makemigrations --check --dry-run

echo "== Django system checks"
$PY manage.py check

echo "== pytest (PostgreSQL, Redis, Celery worker, Chromium)"
args=(-q -ra)
if [[ "${CI:-}" == "true" ]]; then
  args+=(--create-db --durations=25 --timeout=180)
fi
set +e
$PY -m pytest "${args[@]}" "$@"
status=$?
set -e
if [[ $status == 5 ]]; then
  echo "ERROR: pytest collected no tests" >&2
  exit 1
fi
[[ $status == 0 ]] || exit $status

echo "== demo smoke test (SQLite, separate process)"
bash scripts/demo-smoke.sh

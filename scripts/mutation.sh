#!/usr/bin/env bash
# `make mutation`: mutation testing (mutmut) of the access, scoping, audit and
# citizen-link guards against the tests that cover them. Not part of `make test`.
# ONLY=access|scoping|audit|link runs one module; results and survivors: docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# Its own test database and Redis number, so a run never meets another suite's.
export DATABASE_URL="${MUTATION_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bip_mutation}"
export REDIS_URL="${MUTATION_REDIS_URL:-redis://127.0.0.1:6379/13}"
export DJANGO_SETTINGS_MODULE=bip.settings_test
export DJANGO_ALLOW_ASYNC_UNSAFE=true

# The functions that guard access, audit and the citizen link (docs/testing.md says
# what is left out and why).
declare -A MODULES=(
  [access]="bip.accounts.access.* bip.accounts.roles.*"
  [scoping]="bip.accounts.scoping.x_scope_for* bip.accounts.scoping.x_citizen_q* bip.accounts.scoping.x_user_municipality_ids*"
  [audit]="bip.audit.services.x_record*"
  [link]="measurements.services.x_link_token_hash* measurements.services.x_link_resolve* measurements.services.x__link_create* measurements.services.x__link_save* measurements.services.x_link_opened* measurements.services.x__validate* measurements.views.x__rate_limited*"
)
names=()
for module in ${ONLY:-access scoping audit link}; do
  [[ -n "${MODULES[$module]:-}" ]] || { echo "unknown module: $module" >&2; exit 2; }
  read -ra globs <<< "${MODULES[$module]}"
  names+=("${globs[@]}")
done

rm -rf mutants  # a fresh copy of the code and no cached results
# a fresh test database with the migrations' data, kept for the mutants' runs
.venv/bin/python -m pytest -q -p no:randomly --create-db --reuse-db \
  tests/accounts/test_navigation.py
# mutmut exits non-zero when mutants survive: the listing below is the result
.venv/bin/mutmut run --max-children 1 "${names[@]}" || true
.venv/bin/mutmut results

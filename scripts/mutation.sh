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

declare -A MODULES=(
  [access]="bip.accounts.access.*"
  [scoping]="bip.accounts.scoping.*"
  [audit]="bip.audit.services.*"
  # the citizen link: token, claim and save (services), rate limit and page (views)
  [link]="measurements.services.x_link_* measurements.services.x__hash* measurements.views.x__rate_limited* measurements.views.x_citizen_form*"
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

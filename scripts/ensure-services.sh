#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and Chromium are there for the tests: start local
# services that are installed but down; with CI=true anything missing is a failure.
set -uo pipefail
fail() {
  echo "ERROR: $*" >&2
  exit 1
}
ci=false
[[ "${CI:-}" == "true" ]] && ci=true

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]] || (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

wait_for() {  # wait_for <check function> <seconds>
  local deadline=$((SECONDS + $2))
  until "$1"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.5
  done
}

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Starting the local PostgreSQL cluster..."
    version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for pg_up 30 || fail "PostgreSQL did not start on 127.0.0.1:5432"
  else
    fail "PostgreSQL is not reachable on 127.0.0.1:5432 and not installed (apt-get install postgresql, or set DATABASE_URL)"
  fi
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting a local Redis..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    wait_for redis_up 15 || fail "Redis did not start on 127.0.0.1:6379"
  else
    fail "Redis is not reachable on 127.0.0.1:6379 and not installed (apt-get install redis-server)"
  fi
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ||
      { $ci && fail "could not install chromium"; echo "WARNING: chromium could not be installed; browser tests will be skipped" >&2; }
  elif $ci; then
    fail "chromium is not installed (apt-get install chromium)"
  else
    echo "WARNING: chromium is not installed (sudo apt-get install chromium); browser tests will be skipped" >&2
  fi
fi
# The suite's default DATABASE_URL names database "bip" (pytest creates test_bip).
if [[ -z "${DATABASE_URL:-}" ]] && command -v psql >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='bip'" 2>/dev/null | grep -q 1 ||
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE bip" >/dev/null 2>&1 || true
fi
echo "Services: PostgreSQL and Redis are reachable."

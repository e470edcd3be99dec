#!/usr/bin/env bash
# `make bench`: benchmarks whose results go to docs/benchmarks.md (not timed tests).
# ONLY=models, ONLY=scores, ONLY=sweep, ONLY=imports, ONLY=exports, ONLY=exports_long,
# ONLY=dashboards, ONLY=load, ONLY=workers, ONLY=national or ONLY=national_scores
# runs one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${SEEDS:-100}"
CITIZENS="${CITIZENS:-4000}"
ROUNDS="${ROUNDS:-100000}"
SWEEP_ROUNDS="${SWEEP_ROUNDS:-20000}"
export BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bip_bench}"
IMPORT_ROWS="${IMPORT_ROWS:-1000000}"
IMPORT_OUTCOMES="${IMPORT_OUTCOMES:-20000}"
EXPORT_ROUNDS="${EXPORT_ROUNDS:-100000 1000000}"
EXPORT_LONG_ROUNDS="${EXPORT_LONG_ROUNDS:-100000 1000000}"
REPEAT="${REPEAT:-3}"
# the imports and the exports each drop and create a database of their own
IMPORT_DATABASE_URL="${IMPORT_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bip_bench_imports}"
EXPORT_DATABASE_URL="${EXPORT_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bip_bench_exports}"
NATIONAL_ROUNDS="${NATIONAL_ROUNDS:-100000 1000000}"
NATIONAL_REPEAT="${NATIONAL_REPEAT:-3}"
NAIVE_SAMPLE="${NAIVE_SAMPLE:-10000}"
NATIONAL_WORKERS="${NATIONAL_WORKERS:-1 2}"
ONLY="${ONLY:-}"
DASHBOARD_ROUNDS="${DASHBOARD_ROUNDS:-100000 1000000}"
DASHBOARD_REUSE="${DASHBOARD_REUSE:-}"
WORKER_MUNICIPALITIES="${WORKER_MUNICIPALITIES:-16}"
WORKER_SPELLS="${WORKER_SPELLS:-250}"
LOAD_USERS="${LOAD_USERS:-50}"
LOAD_SECONDS="${LOAD_SECONDS:-60}"
LOAD_TEMPLATE="${LOAD_TEMPLATE:-}"
LOAD_REUSE="${LOAD_REUSE:-}"
export PYTHONPATH="$PWD"

# section TITLE: the command's Markdown output replaces that section of the file
section() {
  local title="$1"
  shift
  local out
  out=$(mktemp)
  { echo "## $title"; echo; "$@"; } > "$out"
  python3 - "$out" "$title" <<'PYEOF'
import pathlib, re, sys
section = pathlib.Path(sys.argv[1]).read_text()
title = sys.argv[2]
path = pathlib.Path("docs/benchmarks.md")
text = path.read_text() if path.exists() else "# Benchmarks\n\nFigures produced by `make bench` on the machine named in each section.\n\n"
pattern = re.compile(r"## " + re.escape(title) + r"\n.*?(?=\n## |\Z)", re.S)
text = pattern.sub(lambda m: section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
path.write_text(text)
print(section)
PYEOF
}

models() {
  echo "Command: \`make bench\` (SEEDS=$SEEDS CITIZENS=$CITIZENS; \`scripts/bench_models.py\`), $(date -u +%Y-%m-%d)."
  echo
  .venv/bin/python scripts/bench_models.py --seeds "$SEEDS" --citizens "$CITIZENS"
}

scores() {
  echo "Command: \`make bench\` (ROUNDS=$ROUNDS; \`scripts/bench_scores.py\`, on the local PostgreSQL, database bip_bench), $(date -u +%Y-%m-%d)."
  echo
  .venv/bin/python scripts/bench_scores.py --rounds "$ROUNDS"
}

sweep() {
  echo "Command: \`ONLY=sweep make bench\` (SWEEP_ROUNDS=$SWEEP_ROUNDS; \`scripts/bench_scores.py\`, on the local PostgreSQL, database ${BENCH_DATABASE_URL##*/}), $(date -u +%Y-%m-%d)."
  echo
  .venv/bin/python scripts/bench_scores.py --rounds "$SWEEP_ROUNDS"
}

imports() {
  echo "Command: \`ONLY=imports make bench\` (IMPORT_ROWS=$IMPORT_ROWS IMPORT_OUTCOMES=$IMPORT_OUTCOMES REPEAT=$REPEAT; \`scripts/bench_imports.py\`, on the local PostgreSQL, database ${IMPORT_DATABASE_URL##*/}), $(date -u +%Y-%m-%d)."
  echo
  BENCH_DATABASE_URL="$IMPORT_DATABASE_URL" .venv/bin/python scripts/bench_imports.py --rows "$IMPORT_ROWS" --outcomes "$IMPORT_OUTCOMES" --repeat "$REPEAT"
}

exports() {
  echo "Command: \`ONLY=exports make bench\` (EXPORT_ROUNDS=\"$EXPORT_ROUNDS\" REPEAT=$REPEAT; \`scripts/bench_exports.py\`, on the local PostgreSQL, database ${EXPORT_DATABASE_URL##*/}), $(date -u +%Y-%m-%d)."
  echo
  # shellcheck disable=SC2086
  BENCH_DATABASE_URL="$EXPORT_DATABASE_URL" .venv/bin/python scripts/bench_exports.py --rounds $EXPORT_ROUNDS --repeat "$REPEAT"
}

exports_long() {
  echo "Command: \`ONLY=exports_long make bench\` (EXPORT_LONG_ROUNDS=\"$EXPORT_LONG_ROUNDS\" REPEAT=$REPEAT; \`scripts/bench_exports.py --layout long\`, on the local PostgreSQL, database ${EXPORT_DATABASE_URL##*/}), $(date -u +%Y-%m-%d)."
  echo
  # shellcheck disable=SC2086
  BENCH_DATABASE_URL="$EXPORT_DATABASE_URL" .venv/bin/python scripts/bench_exports.py --layout long --rounds $EXPORT_LONG_ROUNDS --repeat "$REPEAT"
}

dashboards() {
  echo "Command: \`ONLY=dashboards make bench\` (DASHBOARD_ROUNDS=\"$DASHBOARD_ROUNDS\" DASHBOARD_REUSE=$DASHBOARD_REUSE; \`scripts/bench_dashboards.py\`, on the local PostgreSQL, databases bip_load_dash_*), $(date -u +%Y-%m-%d)."
  echo
  # DASHBOARD_REUSE=1 keeps the databases an earlier run built completely
  # shellcheck disable=SC2086,SC2046
  .venv/bin/python scripts/bench_dashboards.py --rounds $DASHBOARD_ROUNDS \
    $([[ -n "$DASHBOARD_REUSE" ]] && echo --reuse)
}

load() {
  echo "Command: \`ONLY=load make bench\` (LOAD_USERS=$LOAD_USERS LOAD_SECONDS=$LOAD_SECONDS LOAD_TEMPLATE=$LOAD_TEMPLATE LOAD_REUSE=$LOAD_REUSE; \`scripts/bench_load.py\` with \`scripts/locustfile.py\`, gunicorn on 127.0.0.1:8031, database bip_load_web), $(date -u +%Y-%m-%d)."
  echo
  # LOAD_TEMPLATE: the database to copy first (e.g. bip_national_100k, the national
  # dataset); LOAD_REUSE=1 keeps bip_load_web as an earlier run built it
  # shellcheck disable=SC2046
  .venv/bin/python scripts/bench_load.py --users "$LOAD_USERS" --seconds "$LOAD_SECONDS" \
    $([[ -n "$LOAD_TEMPLATE" ]] && echo --template "$LOAD_TEMPLATE") $([[ -n "$LOAD_REUSE" ]] && echo --reuse)
}

workers() {
  echo "Command: \`ONLY=workers make bench\` (WORKER_MUNICIPALITIES=$WORKER_MUNICIPALITIES WORKER_SPELLS=$WORKER_SPELLS; \`scripts/bench_workers.py\`, on the local PostgreSQL and Redis db 14, databases bip_load_workers*), $(date -u +%Y-%m-%d)."
  echo
  .venv/bin/python scripts/bench_workers.py --municipalities "$WORKER_MUNICIPALITIES" --spells "$WORKER_SPELLS" --repeats 3
}

national() {
  echo "Command: \`ONLY=national make bench\` (\`scripts/bench_national.py\`: built once, cached in its own database, rebuilt when the generator or the sizes change), $(date -u +%Y-%m-%d)."
  echo
  echo "Built once through the synthetic-data package (\`measurements/synthetic/national.py\`, every table written with COPY) and cached in a database of its own (bip_national for 1,000,000 rounds, bip_national_<n>k otherwise); rebuilt only when the package's source, the script or the sizes change. Municipalities of skewed sizes, units of up to four teams of about 400 citizens, a case worker per 40 citizens, one spell per citizen (4 rounds on average, 1 to about 20), both parts answered (the citizen's missing in about one in five), a change of case worker in about a quarter of the spells, intervention episodes with BIP's shares of quarters, jobs and education for the most ready. No scores: the recompute benchmark computes them."
  echo
  .venv/bin/python scripts/bench_national.py
}

national_scores() {
  echo "Command: \`ONLY=national_scores make bench\` (NATIONAL_ROUNDS=\"$NATIONAL_ROUNDS\" NATIONAL_WORKERS=\"$NATIONAL_WORKERS\" NATIONAL_REPEAT=$NATIONAL_REPEAT NAIVE_SAMPLE=$NAIVE_SAMPLE; \`scripts/bench_recompute_national.py\`, on the local PostgreSQL, databases bip_national*), $(date -u +%Y-%m-%d)."
  echo
  # shellcheck disable=SC2086
  .venv/bin/python scripts/bench_recompute_national.py --rounds $NATIONAL_ROUNDS \
    --workers $NATIONAL_WORKERS --repeat "$NATIONAL_REPEAT" --naive-sample "$NAIVE_SAMPLE"
}

if [[ -z "$ONLY" || "$ONLY" == "models" ]]; then
  section "Multi-seed study of the local fit" models
fi
if [[ -z "$ONLY" || "$ONLY" == "scores" ]]; then
  section "Score recompute on PostgreSQL" scores
fi
if [[ -z "$ONLY" || "$ONLY" == "sweep" ]]; then
  section "Nightly score sweep on PostgreSQL" sweep
fi
if [[ -z "$ONLY" || "$ONLY" == "imports" ]]; then
  section "Imports: a municipality's first load on PostgreSQL" imports
fi
if [[ -z "$ONLY" || "$ONLY" == "exports" ]]; then
  section "Exports: throughput and worker memory on PostgreSQL" exports
fi
if [[ -z "$ONLY" || "$ONLY" == "exports_long" ]]; then
  section "Exports: the long layout, a row per answer" exports_long
fi
if [[ -z "$ONLY" || "$ONLY" == "dashboards" ]]; then
  section "Dashboard pages at 100,000 and 1,000,000 rounds" dashboards
fi
if [[ -z "$ONLY" || "$ONLY" == "load" ]]; then
  section "Web load: 50 users against gunicorn" load
fi
if [[ -z "$ONLY" || "$ONLY" == "workers" ]]; then
  section "Scaling out: one and two Celery workers" workers
fi
if [[ -z "$ONLY" || "$ONLY" == "national" ]]; then
  section "National dataset" national
fi
if [[ -z "$ONLY" || "$ONLY" == "national_scores" ]]; then
  section "Score recompute and nightly sweep at national scale" national_scores
fi

#!/usr/bin/env bash
# `make bench`: benchmarks whose results go to docs/benchmarks.md (not timed tests).
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${SEEDS:-100}"
CITIZENS="${CITIZENS:-4000}"
out=$(mktemp)
{
  echo "## Multi-seed study of the local fit"
  echo
  echo "Command: \`make bench\` (SEEDS=$SEEDS CITIZENS=$CITIZENS; \`scripts/bench_models.py\`), $(date -u +%Y-%m-%d)."
  echo
  PYTHONPATH="$PWD" .venv/bin/python scripts/bench_models.py --seeds "$SEEDS" --citizens "$CITIZENS"
} > "$out"
python3 - "$out" <<'PYEOF'
import pathlib, re, sys
section = pathlib.Path(sys.argv[1]).read_text()
path = pathlib.Path("docs/benchmarks.md")
text = path.read_text() if path.exists() else "# Benchmarks\n\nFigures produced by `make bench` on the machine named in each section.\n\n"
pattern = re.compile(r"## Multi-seed study of the local fit\n.*?(?=\n## |\Z)", re.S)
text = pattern.sub(section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
path.write_text(text)
print(section)
PYEOF

#!/usr/bin/env bash
# A clear message when the interpreter or its venv module is missing.
set -euo pipefail
py="${1:-python3.11}"
if ! command -v "$py" >/dev/null 2>&1; then
  echo "Python 3.11 is needed ($py not found). On Debian/Ubuntu: sudo apt-get install python3.11 python3.11-venv" >&2
  exit 1
fi
if ! "$py" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  echo "$py is not Python 3.11 (Django 5.2 LTS is tested on 3.11)." >&2
  exit 1
fi
if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "Python's venv module is missing. On Debian/Ubuntu: sudo apt-get install python3.11-venv" >&2
  exit 1
fi

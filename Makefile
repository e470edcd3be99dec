# The two commands: `make demo` and `make test` (README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint bench mutation deps-dev deps clean

$(VENV)/bin/python:
	@bash scripts/check-python.sh "$(PYTHON)"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.deps-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
deps-dev: $(VENV)/.deps-dev

demo: deps
	bash scripts/demo.sh

test: deps-dev
	bash scripts/test.sh

lint: deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: deps-dev
	bash scripts/bench.sh

# Not part of `make test`: half an hour to an hour on two cores (docs/testing.md).
mutation: deps-dev
	bash scripts/mutation.sh

clean:
	rm -rf $(VENV) var staticfiles mutants

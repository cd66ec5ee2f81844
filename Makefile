# agent-fleet: the two commands a new user needs are `make demo` and `make test`.
#
# PYTHON picks the interpreter for .venv. When unset, the first Python 3.13
# found wins: python3.13 on PATH, then pyenv's 3.13.0, then python3.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell \
	for candidate in "python3.13" "env PYENV_VERSION=3.13.0 python3" "python3"; do \
		if $$candidate -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then \
			echo "$$candidate"; break; \
		fi; \
	done)

VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
LOCALSTACK_VENV := .localstack/venv
LOCALSTACK_STAMP := $(LOCALSTACK_VENV)/.installed
LOCALSTACK_VERSION := 2026.3.0

.PHONY: help venv localstack demo test lint typecheck cfn-lint pytest benchmark clean

help:
	@echo "make demo       run the published example and a 2,500-host scheduled job on the local emulator"
	@echo "make test       lint, type-check, cfn-lint and run every test (starts LocalStack itself)"
	@echo "make benchmark  measure handler init time and a 10,000-host job (see docs/benchmarks.md)"
	@echo "make clean      remove .venv, .localstack and caches"

$(VENV_STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.13 not found; install it or run make PYTHON=/path/to/python3.13" >&2; exit 1; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV_STAMP)

# LocalStack lives in its own environment: its pinned dependencies clash with
# the project's, and it never ships with the product.
$(LOCALSTACK_STAMP): tests/localstack-constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.13 not found; install it or run make PYTHON=/path/to/python3.13" >&2; exit 1; \
	fi
	$(PYTHON) -m venv $(LOCALSTACK_VENV)
	$(LOCALSTACK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCALSTACK_VENV)/bin/python -m pip install --quiet \
		-c tests/localstack-constraints.txt 'localstack-core[runtime]==$(LOCALSTACK_VERSION)'
	@touch $@

localstack: $(LOCALSTACK_STAMP)

demo: $(VENV_STAMP)
	$(VENV_PYTHON) -m agent_fleet_dev.demo

lint: $(VENV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Every handler is an app.py module, so mypy checks them one at a time.
typecheck: $(VENV_STAMP)
	$(VENV)/bin/mypy
	for handler in functions/*/app.py; do $(VENV)/bin/mypy "$$handler" || exit 1; done

cfn-lint: $(VENV_STAMP)
	$(VENV)/bin/cfn-lint template.yaml

pytest: $(VENV_STAMP) $(LOCALSTACK_STAMP)
	AGENT_FLEET_LOCALSTACK_PYTHON=$(LOCALSTACK_VENV)/bin/python $(VENV)/bin/pytest

test: lint typecheck cfn-lint pytest

benchmark: $(VENV_STAMP)
	$(VENV_PYTHON) benchmarks/run.py

clean:
	rm -rf $(VENV) .localstack .mypy_cache .ruff_cache .hypothesis .pytest_cache .aws-sam

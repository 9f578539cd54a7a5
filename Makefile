# The two commands of the README: `make run` (the main job on the demo site) and `make test`.
# `make eval` runs the quality gates on the evaluation corpus (VESTNIK_CORPUS_DIR, by default ../shared/corpus).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck unit integration eval unit-on clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/vestnik run --demo

test: setup lint typecheck
	$(BIN)/pytest tests/unit tests/integration

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

# -rs prints why a gate was skipped: the corpus folder it needs.
eval: setup
	$(BIN)/pytest tests/eval -rs

# The unit tests on another interpreter, e.g. `make unit-on PYTHON_OTHER=python3.12`.
PYTHON_OTHER ?= python3.12
unit-on:
	$(PYTHON_OTHER) -m venv .venv-other
	.venv-other/bin/pip install -q --upgrade pip
	.venv-other/bin/pip install -q -e '.[test]'
	.venv-other/bin/pytest tests/unit

clean-venv:
	rm -rf $(VENV)

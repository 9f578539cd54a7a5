# The two commands of the README: `make run` (the main job on the demo site) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck unit integration eval bench clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/vestnik run --demo

test: setup lint typecheck
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

eval: setup
	$(BIN)/vestnik eval clean
	$(BIN)/vestnik eval ner

clean-venv:
	rm -rf $(VENV)

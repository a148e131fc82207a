# Two commands matter (see README): `make demo` and `make test`. Both install what they need
# into .venv first; a second run installs nothing new (stamps follow the lock files).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPT ?= 93
PYTEST_WORKERS ?= auto

.PHONY: install install-test demo serve test lint format lock bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed-runtime
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed-runtime

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/sdsf migrate --noinput
	$(BIN)/sdsf import_territories
	$(BIN)/sdsf load_demo --departement $(DEPT)
	@echo "Plateforme servie sur http://127.0.0.1:8000 (Ctrl+C pour arrêter)"
	$(BIN)/sdsf runserver 127.0.0.1:8000

test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(PYTEST_WORKERS)

lint: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerates the pinned lock files from pyproject.toml (run after changing a dependency).
lock: install-test
	$(BIN)/pip-compile --quiet --strip-extras -o requirements.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --extra test -o requirements-test.txt pyproject.toml

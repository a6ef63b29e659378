# MedERP: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# pytest takes its settings from pyproject.toml (mederp.config.test_settings); never export
# DJANGO_SETTINGS_MODULE here, or the PostgreSQL test URL would be silently ignored.

.PHONY: run serve install install-dev migrate demo test test-fast check fmt messages openapi bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/mederp migrate --noinput
	$(BIN)/mederp audit keygen >/dev/null

demo: migrate
	$(BIN)/mederp demo

run: demo
	@$(BIN)/mederp demo --logins
	$(BIN)/mederp serve

# The whole suite: PostgreSQL when MEDERP_TEST_DATABASE_URL is set, else SQLite.
test: install-dev
	@bash scripts/ensure-chromium
	DJANGO_SETTINGS_MODULE=mederp.config.test_settings $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev
	DJANGO_SETTINGS_MODULE=mederp.config.test_settings $(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

check: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src
	cd src && ../$(BIN)/lint-imports ../.importlinter
	$(BIN)/mederp makemigrations --check --dry-run

fmt: install-dev
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

messages: install-dev
	cd src/mederp && ../../$(BIN)/mederp makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/mederp compilemessages

# Record an intended API change: docs/openapi-v1.json plus an entry in docs/api-changelog.md.
# Breaking changes are refused unless accepted: make openapi BREAKING_OK="why" (docs/api.md).
openapi: install-dev
	DJANGO_SETTINGS_MODULE=mederp.config.test_settings $(BIN)/mederp openapi update $(if $(BREAKING_OK),--breaking-ok "$(BREAKING_OK)") $(if $(NOTE),--note "$(NOTE)")

bench: install-dev
	$(BIN)/mederp bench audit --quick

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

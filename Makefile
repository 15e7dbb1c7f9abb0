# sob: two commands do everything — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DISTS := . plugins/questions plugins/scales plugins/notifications plugins/auth
SETUPS := setup.cfg $(wildcard plugins/*/setup.cfg) requirements-test.txt
# `make run` serves the embedded defaults: SQLite under instance/, jobs in-process, demo data.
# `make run PORT=8080 HOST=0.0.0.0` serves elsewhere; links and exports name that address.
HOST ?= 127.0.0.1
PORT ?= 5000
SOB_BASE_URL ?= http://$(HOST):$(PORT)
RUN_ENV := SOB_DEMO=1 SOB_ENV=development SOB_BASE_URL=$(SOB_BASE_URL)
PYTEST_ARGS ?= -n 2

.PHONY: install run test test-fast bench lint messages translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python $(SETUPS)
	$(BIN)/pip install --quiet $(foreach d,$(DISTS),-e $(d)) -r requirements-test.txt
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d sob_core/translations

messages: $(VENV)/.installed  ## extract user-facing strings and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -o sob_core/translations/messages.pot sob_core
	$(BIN)/pybabel update -i sob_core/translations/messages.pot -d sob_core/translations

run: install
	$(RUN_ENV) $(BIN)/sob db upgrade
	$(RUN_ENV) $(BIN)/sob demo
	$(RUN_ENV) $(BIN)/sob run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache

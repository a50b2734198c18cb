# sbk — two commands do all the set-up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
SBK := $(VENV)/bin/sbk
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?= -n 2

.PHONY: install run demo services test test-sqlite test-postgres lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Creates .venv, installs, migrates SQLite, loads the demo city (once) and serves the console
# as production does: gunicorn, DEBUG off, a secret key generated once into var/secret_key,
# static files collected and served by whitenoise (`sbk serve --dev`: the debug server).
run: install
	mkdir -p var
	$(SBK) keys generate var/keys.json --if-missing
	$(SBK) migrate --noinput
	$(SBK) demo --if-empty
	$(SBK) serve

demo: install
	mkdir -p var
	$(SBK) keys generate var/keys.json --if-missing
	$(SBK) migrate --noinput
	$(SBK) demo --reset

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# PostgreSQL (started, or installed) and chromium for the browser test: scripts/test-services.
services:
	PG_URL='$(PG_URL)' bash scripts/test-services

# The whole suite, on SQLite and then on PostgreSQL.
test: services install lint test-sqlite test-postgres

test-sqlite: services install
	env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: services install
	DATABASE_URL=$(PG_URL) SBK_DB_TESTS_ONLY=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) benchmarks/run.py --write benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) var/static

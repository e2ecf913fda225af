# Lineage Portal — `make run` serves the demo, `make test` runs the whole suite.
# Each target installs what it needs; the virtualenv lives in .venv/.

PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HASH := $(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
comma := ,

.PHONY: run test bench bench-csv bench-load install services services-stop lint demo-reset screenshots

# One stamp per set of extras ("test+demo" installs ".[test,demo]"), renewed whenever
# pyproject.toml changes; "base" is the runtime alone.
$(VENV)/.installed-%-$(HASH): pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip
	@$(PIP) install --quiet -e ".$(if $(filter base,$*),,[$(subst +,$(comma),$*)])"
	@find $(VENV) -maxdepth 1 -name '.installed-*' ! -name '*-$(HASH)' -delete
	@touch $@

## install: everything a developer uses (tests, the demo, lint).
install: $(VENV)/.installed-test+demo+lint-$(HASH)

## run: the portal on SQLite + the embedded graph store, seeded with the demo warehouse.
run: $(VENV)/.installed-demo-$(HASH)
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@echo "Lineage Portal on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@$(PY) manage.py runserver $(HOST):$(PORT)

## test: installs and starts Postgres, Redis, Neo4j and Chromium, then runs every test.
test: $(VENV)/.installed-test+demo-$(HASH)
	@bash scripts/install-system-deps.sh
	@bash scripts/services.sh start all
	@eval "$$(bash scripts/services.sh env)" && $(VENV)/bin/pytest $(PYTEST_ARGS)

## bench: parser, ingestion, CSV import and load benchmarks; writes docs/benchmarks.md.
bench: $(VENV)/.installed-base-$(HASH)
	@bash scripts/services.sh start all
	@eval "$$(bash scripts/services.sh env)" && $(PY) -m benchmarks.run
	@eval "$$(bash scripts/services.sh env)" && $(PY) -m benchmarks.csv_import
	@eval "$$(bash scripts/services.sh env)" && $(PY) -m benchmarks.load

## bench-csv / bench-load: one of them alone (its section of docs/benchmarks.md).
bench-csv: install
	@bash scripts/services.sh start all
	@eval "$$(bash scripts/services.sh env)" && $(PY) -m benchmarks.csv_import

bench-load: install
	@bash scripts/services.sh start all
	@eval "$$(bash scripts/services.sh env)" && $(PY) -m benchmarks.load

## lint: ruff (lint, then format --check) and mypy (settings in pyproject.toml).
lint: $(VENV)/.installed-lint-$(HASH)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

services:
	@bash scripts/services.sh start all

services-stop:
	@bash scripts/services.sh stop

demo-reset: $(VENV)/.installed-demo-$(HASH)
	@$(PY) manage.py seed_demo --reset

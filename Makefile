# Lineage Portal — `make run` serves the demo, `make test` runs the whole suite.
# Both install what they need; the virtualenv lives in .venv/.

PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench install services services-stop lint demo-reset screenshots

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip
	@$(PIP) install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## run: the portal on SQLite + the embedded graph store, seeded with the demo warehouse,
## whose emulator runs beside it (so jobs can be started from the Ingestion page).
run: install
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@bash scripts/run-demo.sh $(HOST) $(PORT)

## test: installs and starts Postgres, Redis, Neo4j and Chromium, then runs every test.
test: install
	@bash scripts/install-system-deps.sh
	@bash scripts/services.sh start all
	@eval "$$(bash scripts/services.sh env)" && $(VENV)/bin/pytest $(PYTEST_ARGS)

## bench: parser and ingestion benchmarks; writes docs/benchmarks.md.
bench: install
	@bash scripts/services.sh start all
	@eval "$$(bash scripts/services.sh env)" && $(PY) -m benchmarks.run

lint: install
	@$(VENV)/bin/ruff check .

services:
	@bash scripts/services.sh start all

services-stop:
	@bash scripts/services.sh stop

demo-reset: install
	@$(PY) manage.py seed_demo --reset

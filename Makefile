# Grassroots — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: run test lint fmt openapi migrate prod-local journey bench clean help

help:
	@echo "make run         the whole system on http://127.0.0.1:$(PORT)/ (SQLite, demo data)"
	@echo "make test        lint, architecture contract and every test (needs PostgreSQL, RabbitMQ)"
	@echo "make prod-local  the production processes of docker-compose.yml on this machine"
	@echo "make migrate SERVICE=roster   upgrade one service's database"
	@echo "make openapi     rewrite each service's committed openapi.json"
	@echo "make journey     a month in a city, end to end: production processes, then embedded"
	@echo "make bench       month-end at province scale vs the baseline (docs/performance.md)"

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m embedded

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

openapi: $(STAMP)
	$(BIN)/python -m embedded.openapi

migrate: $(STAMP)
	$(BIN)/python -m services.$(SERVICE).manage migrate

prod-local: $(STAMP)
	$(BIN)/python -m deploy.local up

journey: $(STAMP)
	$(BIN)/python -m journey --both

bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python -m bench.month_end $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

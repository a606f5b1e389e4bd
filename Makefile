# Grassroots — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# pytest workers (pytest-xdist): the tests wait on processes, PostgreSQL and RabbitMQ as
# much as they compute, so two workers on two cores take ~0.55 of the time of one.
TEST_WORKERS ?= 2
# (--dist loadgroup: a module marked xdist_group runs on one worker, its fixtures shared)
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

.PHONY: run test test-calendar lint fmt openapi translations screenshots migrate prod-local journey chaos security bench clean help chromium

help:
	@echo "make run         the whole system on http://127.0.0.1:$(PORT)/ (SQLite, demo data)"
	@echo "make test        lint, architecture contract and every test (needs PostgreSQL, RabbitMQ)"
	@echo "make test-calendar  the tests with the clock pinned to each hard day of the year"
	@echo "make prod-local  the production processes of docker-compose.yml on this machine"
	@echo "make migrate SERVICE=roster   upgrade one service's database"
	@echo "make openapi     rewrite each service's committed openapi.json"
	@echo "make translations  add the console's new texts to its English catalogue (.po)"
	@echo "make screenshots  walk every page as every role; docs/console.md gets a picture of each"
	@echo "make journey     a month in a city, end to end: production processes, then embedded"
	@echo "make chaos       the fault-injection suite in full (1,000-change bursts; its table)"
	@echo "make security    the full security suite: 100 schemathesis examples per operation, a table"
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

# The console's browser tests drive Debian's chromium (Playwright's own browser download is
# never used), with a Chinese system font for legible screenshots; the benchmark's smoke
# test drives wrk; the printed documents need BabelStone Han for the rare characters of names
# (CJK Extension B and E) and the tests read them back with pdftotext. Install what is
# missing (as root, or with sudo where there is one).
chromium:
	@{ command -v chromium >/dev/null && command -v wrk >/dev/null && \
	   command -v pdftotext >/dev/null && fc-list :lang=zh | grep -q . && \
	   fc-list | grep -qi babelstone ; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei \
	    fonts-babelstone-han poppler-utils wrk; }

test: $(STAMP) lint chromium
	$(PYTEST) $(PYTEST_ARGS)

# The days of the year that have broken the suite: a mid-quarter month, a quarter's last
# month, 31 December late in the evening and 1 January just after midnight (city time: the
# UTC date is still the old year's), 29 February, a deadline day and the day after. Each
# run's clock starts at the moment (tests/conftest.py, TEST_CLOCK_AT) and runs on.
# CALENDAR_TESTS narrows the tests; CALENDAR_DATES the moments.
CALENDAR_DATES ?= 2027-05-12T10:00 2026-12-15T10:00 2026-12-31T23:15 2027-01-01T00:20 \
                  2028-02-29T10:00 2027-03-05T16:00 2027-03-06T09:00
CALENDAR_TESTS ?= tests
test-calendar: $(STAMP) chromium
	@failed=""; for at in $(CALENDAR_DATES); do \
	  echo "== the clock at $$at (city time)"; \
	  TEST_CLOCK_AT=$$at $(PYTEST) $(CALENDAR_TESTS) $(PYTEST_ARGS) || failed="$$failed $$at"; \
	done; \
	if [ -n "$$failed" ]; then echo "== FAILED with the clock at:$$failed"; exit 1; fi; \
	echo "== passed at every moment: $(CALENDAR_DATES)"

openapi: $(STAMP)
	$(BIN)/python -m embedded.openapi

# The console's English: new texts of its templates and views are added to
# services/console/translations/en/LC_MESSAGES/messages.po with an empty English to fill in.
translations: $(STAMP)
	$(BIN)/python -m services.console.catalogue

# docs/console.md's picture of every page: the walk as every role, then the gallery.
screenshots: $(STAMP) chromium
	WALK_EVERY_ROLE=1 $(BIN)/pytest -q -p no:cacheprovider tests/console/test_walk.py
	$(BIN)/python -m tests.console.gallery

migrate: $(STAMP)
	$(BIN)/python -m services.$(SERVICE).manage migrate

prod-local: $(STAMP)
	$(BIN)/python -m deploy.local up

# The security suite in full (make test runs it with 5 examples per operation); the table of
# scenarios is printed at the end and kept in var/security-table.txt.
security: $(STAMP)
	mkdir -p var
	SECURITY_EXAMPLES=$${SECURITY_EXAMPLES:-100} SECURITY_TABLE=var/security-table.txt \
		$(BIN)/pytest -q -p no:cacheprovider -m security tests/security $(PYTEST_ARGS)

journey: $(STAMP)
	$(BIN)/python -m journey --both

chaos: $(STAMP)
	CHAOS_FULL=1 $(BIN)/pytest -q -p no:cacheprovider tests/chaos

bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python -m bench.month_end $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# carbontrail: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench install postgres system-packages font-packages clean

# Debian packages: a CJK font (Chinese PDFs) for every use; for tests and benchmarks also chromium (browser tests),
# poppler-utils (PDF checks) and wrk (API load).
RUN_PACKAGES := fonts-wqy-zenhei
DEBIAN_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils wrk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): pyproject.toml | $(TEST_STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

install: $(STAMP)

## make run: install, create the SQLite database under var/, load the demo data, serve.
run: $(STAMP) font-packages
	$(BIN)/carbontrail init
	$(BIN)/carbontrail demo load
	$(BIN)/carbontrail serve --host $(HOST) --port $(PORT)

## PostgreSQL is part of this machine kind; start it if it is down (tests run on SQLite and PostgreSQL).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start) || true

## Install the Debian packages that are missing (needs root or sudo; a no-op when all are present).
font-packages:
	@$(MAKE) --no-print-directory system-packages DEBIAN_PACKAGES="$(RUN_PACKAGES)"

system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  missing=$$(echo $$missing); echo "installing Debian packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## make test: install what tests need and run the whole suite on SQLite and PostgreSQL.
test: $(TEST_STAMP) system-packages postgres
	CARBONTRAIL_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/pytest -q

## make bench: speed and memory figures, each written to var/bench/NAME.json.
bench: $(TEST_STAMP) $(BENCH_STAMP) system-packages postgres
	mkdir -p var/bench
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info .pytest_cache

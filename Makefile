# Two commands matter: `make demo` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint pytest bench bench-l install lock clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## The demo: generate a book of 1,000 accounts, build on DuckDB, print the accounts to look at.
demo: $(STAMP)
	$(BIN)/customer-health demo

## Every check: ruff, sqlfluff, then pytest (dbt build on DuckDB, a throwaway Postgres and a local Spark).
test: $(STAMP) lint pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	CUSTOMER_HEALTH_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(BIN)/python -c "from customer_health.dbt import profiles_dir; profiles_dir()" && \
	  CUSTOMER_HEALTH_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb DBT_TARGET_PATH=target/lint $(BIN)/sqlfluff lint models analyses --processes 2
	# connector models are disabled unless their shape is chosen: lint them with the shapes on
	CUSTOMER_HEALTH_CRM_SHAPE=salesforce CUSTOMER_HEALTH_SUPPORT_SHAPE=zendesk CUSTOMER_HEALTH_BILLING_SHAPE=stripe CUSTOMER_HEALTH_USAGE_SHAPE=pendo \
	  CUSTOMER_HEALTH_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb DBT_TARGET_PATH=target/lint-a $(BIN)/sqlfluff lint \
	  models/staging/salesforce models/staging/zendesk models/staging/stripe models/staging/pendo models/intermediate/identity models/quarantine --processes 2
	CUSTOMER_HEALTH_CRM_SHAPE=hubspot CUSTOMER_HEALTH_SUPPORT_SHAPE=hubspot CUSTOMER_HEALTH_USAGE_SHAPE=segment \
	  CUSTOMER_HEALTH_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb DBT_TARGET_PATH=target/lint-b $(BIN)/sqlfluff lint \
	  models/staging/hubspot models/staging/segment --processes 2

# Two pytest-xdist workers, a test file per worker at a time (its module fixtures are built
# once), the longest files first (tests/python/conftest.py), the Spark tests among them; the
# first worker that needs a session book builds it and the other copies it (DECISIONLOG 47, 52).
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

## Benchmarks (not part of the test suite): results are added to BENCHMARKS.md.
## M: 10,000 accounts on DuckDB and on a throwaway Postgres. L: 100,000 accounts on DuckDB.
bench: $(STAMP)
	$(BIN)/python -m customer_health.bench --size M --engines duckdb,postgres

# L: one model at a time (each still uses both of DuckDB's threads): two at once share the
# 3GB memory_limit and ran out of it (BENCHMARKS.md)
bench-l: $(STAMP)
	CUSTOMER_HEALTH_THREADS=1 $(BIN)/python -m customer_health.bench --size L --engines duckdb

## Re-resolve requirements.in into exact pins.
lock:
	$(PYTHON) -m venv /tmp/customer-health-lock && /tmp/customer-health-lock/bin/pip install -q -r requirements.in && \
	  /tmp/customer-health-lock/bin/pip freeze > requirements.lock && rm -rf /tmp/customer-health-lock

clean:
	rm -rf target logs .dbt artifacts reports data/*.duckdb*

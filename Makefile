# Customer Journey Warehouse
#   make build   set up .venv, build the warehouse on data/sample with dbt
#   make test    set up if needed, lint, pytest (incl. a dbt build on fresh generated data)

SHELL := /bin/bash
.DEFAULT_GOAL := build

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# the PII salt: yours from the environment, else a random one kept in .cj_salt (never committed)
WITH_SALT := CJ_PII_SALT="$${CJ_PII_SALT:-$$(cat .cj_salt)}"
DBT := $(WITH_SALT) $(BIN)/dbt

.PHONY: setup build test lint sample docs clean loop bench ml-report publish browser metrics test-spark

$(STAMP): pyproject.toml
	@echo "==> installing the Python packages into $(VENV) (first time on a machine: about 2 minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

.cj_salt:
	$(PYTHON) -c "import secrets; print(secrets.token_hex(16))" > .cj_salt

setup: $(STAMP) .cj_salt
	@mkdir -p warehouse

build: setup
	$(DBT) build

lint: setup
	@echo "==> lint: ruff, mypy, sqlfluff (about a minute), project checks, reference docs, dbt-bouncer"
	$(BIN)/ruff check src tests/python models bench
	$(BIN)/ruff format --check src tests/python models bench
	$(BIN)/mypy src/customer_journey
	$(WITH_SALT) $(BIN)/sqlfluff lint models tests --processes 2
	$(WITH_SALT) $(BIN)/cj check
	$(BIN)/python -m customer_journey.reference_docs --check
	env $$([ -t 1 ] || echo COLUMNS=200) $(BIN)/dbt-bouncer run --config-file dbt-bouncer.yml --show-all-failures

test: setup lint browser
	@echo "==> pytest on 2 workers (a file per worker at a time): the dbt builds make it take about 12 minutes on 2 cores"
	$(WITH_SALT) $(BIN)/pytest -n 2 --dist loadfile --durations=15

# the docs test's headless browser: Debian's chromium, installed once
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || ( $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null )

# the semantic layer: parse, then ask MetricFlow (after `make build`); any query: .venv/bin/mf query --help
METRICS ?= revenue,orders,aov,active_customers,session_conversion_rate
metrics: setup
	$(DBT) parse --quiet
	$(WITH_SALT) $(BIN)/mf query --metrics $(METRICS) --group-by metric_time__month --order metric_time__month

# the SQL layers on local Apache Spark (dbt-spark, session method) against DuckDB; needs Java 17
test-spark: setup
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,spark]'
	$(WITH_SALT) $(BIN)/cj spark-check

# regenerate the bundled sample data (committed)
sample: setup
	$(BIN)/cj synth --customers 3000 --days 120 --seed 42 --out data/sample --force

# the "real-time" demo: append a day of generated data, rebuild, print what changed
loop: setup
	$(WITH_SALT) $(BIN)/cj loop --days 1

# benchmark: full build and build after one appended day, by size (SIZES="10000 100000 1000000")
SIZES ?= 10000 100000
bench: setup
	$(WITH_SALT) $(BIN)/python bench/run.py --sizes $(SIZES)

# the ML layer per data set and shape: champion vs every baseline, training status, segmentation
# (bench/results/ml_report_<timestamp>.json; about 10 minutes)
ml-report: setup
	$(WITH_SALT) $(BIN)/python bench/ml_report.py

# copy the marts to warehouse/bi/ for BI tools, swapped in atomically
publish: setup
	$(BIN)/cj publish

# docs/reference/ (vars, raw-data contract) from dbt_project.yml and _raw__sources.yml; `make lint` checks they are current
.PHONY: reference-docs
reference-docs: setup
	$(BIN)/python -m customer_journey.reference_docs

docs: setup
	$(DBT) docs generate
	$(DBT) docs serve --port 8080 --no-browser

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal warehouse/tmp

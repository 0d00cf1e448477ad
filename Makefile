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
	@echo "==> installing the Python packages into $(VENV) with uv (first time on a machine: under a minute)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check 'uv==0.13.9'
	@# compiled now, once: where PYTHONDONTWRITEBYTECODE is set (as on CI), every dbt and pytest process
	@# would otherwise compile dbt, pandas, scikit-learn and matplotlib from source again (~5 s each)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev,orchestrate]' || \
		$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,orchestrate]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

.cj_salt:
	$(PYTHON) -c "import secrets; print(secrets.token_hex(16))" > .cj_salt

setup: $(STAMP) .cj_salt
	@mkdir -p warehouse
	@$(BIN)/python -m compileall -q src

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

# lint runs beside pytest at the lowest CPU priority (nice 19), so it takes only the CPU the tests'
# dbt builds leave idle (their single-threaded Python stretches); its output, in target/lint.log, is
# printed after pytest's, and either failing fails the target
test: setup browser
	@echo "==> lint in the background, niced (ruff, mypy, sqlfluff, project checks, reference docs, dbt-bouncer)"
	@echo "==> pytest on 2 workers (a file per worker at a time): the dbt builds make it take about 14 minutes on 2 cores"
	@mkdir -p target; rm -f target/lint.rc; \
	( nice -n 19 $(MAKE) --no-print-directory lint > target/lint.log 2>&1; echo $$? > target/lint.rc ) & \
	$(WITH_SALT) $(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15; tests=$$?; \
	wait; echo "==> lint (exit $$(cat target/lint.rc)):"; cat target/lint.log; \
	[ "$$tests" = 0 ] && [ "$$(cat target/lint.rc)" = 0 ]

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

# --- the BI report (#23): Evidence in bi/ (docs/bi.md); its npm packages stay out of `make build` ---
# `make bi` installs bi/package-lock.json's packages once (again when the lock changes), reads the
# published warehouse (make publish; another: BI_WAREHOUSE=path) and writes the static site to bi/build
BI_WAREHOUSE ?= warehouse/bi/customer_journey.duckdb
BI_PORT ?= 3000
BI_STAMP := bi/node_modules/.installed-$(shell cat bi/package-lock.json | cksum | cut -d' ' -f1)
.PHONY: bi bi-deps bi-serve

# flock: one install at a time (the BI test starts one in the background while the warehouse builds)
$(BI_STAMP): bi/package.json bi/package-lock.json bi/scripts/offline-parquet.mjs
	@echo "==> installing the BI report's npm packages into bi/node_modules (first time: 2-3 minutes, about 700 MB)"
	cd bi && flock .npm-install.lock sh -c '[ ../$(BI_STAMP) -nt scripts/offline-parquet.mjs ] || { \
		npm ci --no-audit --no-fund --loglevel=error && node scripts/offline-parquet.mjs && \
		rm -f node_modules/.installed-* && touch ../$(BI_STAMP); }'

bi-deps: $(BI_STAMP)

bi: $(BI_STAMP)
	@test -f "$(BI_WAREHOUSE)" || { echo "no warehouse at $(BI_WAREHOUSE): run make build && make publish first" >&2; exit 1; }
	cd bi && node scripts/offline-parquet.mjs
	cd bi && EVIDENCE_SOURCE__warehouse__filename="$$(realpath -m --relative-to=sources/warehouse "$(abspath $(BI_WAREHOUSE))")" \
		npm run --silent sources
	rm -rf bi/build
	cd bi && npm run --silent build
	@echo "==> the report is in bi/build ($(BI_WAREHOUSE)); make bi-serve shows it"

bi-serve:
	@test -f bi/build/index.html || { echo "no report in bi/build: run make bi first" >&2; exit 1; }
	@echo "==> the BI report: http://127.0.0.1:$(BI_PORT)/ (Ctrl-C stops)"
	python3 -m http.server $(BI_PORT) --bind 127.0.0.1 --directory bi/build

# --- orchestration (#23): Dagster (docs/orchestration.md) ---
# `dagster dev` on localhost: the dbt project as assets, the raw-folder sensor (CJ_RAW_PATH, default
# data/sample), the weekly retrain, publish after each successful build. Its instance (runs, cursors)
# lives in target/dagster_home (dagster.yaml: one run at a time, telemetry off); Ctrl-C stops it.
ORCHESTRATE_PORT ?= 3030
DAGSTER_HOME_DIR := $(CURDIR)/target/dagster_home
.PHONY: orchestrate
orchestrate: setup
	@mkdir -p $(DAGSTER_HOME_DIR) && cp src/customer_journey/orchestration/dagster.yaml $(DAGSTER_HOME_DIR)/
	@echo "==> Dagster UI: http://127.0.0.1:$(ORCHESTRATE_PORT)/ (raw folder: $${CJ_RAW_PATH:-data/sample}; starts in about 30 s; Ctrl-C stops)"
	$(WITH_SALT) DAGSTER_HOME=$(DAGSTER_HOME_DIR) DAGSTER_DISABLE_TELEMETRY=1 DBT_TARGET_PATH=$(CURDIR)/target/dagster \
		$(BIN)/dagster dev -m customer_journey.orchestration.definitions -h 127.0.0.1 -p $(ORCHESTRATE_PORT)

# docs/reference/ (vars, raw-data contract) from dbt_project.yml and _raw__sources.yml; `make lint` checks they are current
.PHONY: reference-docs
reference-docs: setup
	$(BIN)/python -m customer_journey.reference_docs

docs: setup
	$(DBT) docs generate
	$(DBT) docs serve --port 8080 --no-browser

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal warehouse/tmp

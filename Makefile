# Gongjian: one command per habit. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench deploy-test soak clean db-upgrade fuzz fuzz-long

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: set up and serve all three services on the embedded default (SQLite + in-memory broker)
run: $(STAMP)
	@mkdir -p var
	GONGJIAN_LOG_FORMAT=$${GONGJIAN_LOG_FORMAT:-text} $(BIN)/gongjian db upgrade
	GONGJIAN_LOG_FORMAT=$${GONGJIAN_LOG_FORMAT:-text} $(BIN)/gongjian serve --demo

## test: set up and run the whole suite (PostgreSQL/Redis tests run when their URLs are set),
## on PYTEST_WORKERS pytest-xdist workers (tests sharing a replica or the browser on one).
## Three on two CPUs: the workers wait much of the time (processes starting, servers,
## PostgreSQL, Chromium, leases), and a third fills it (a full run 520 s → 380 s, the same CPU).
PYTEST_WORKERS ?= 3
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## fuzz: schemathesis over every operation, every check, bounded (also part of `make test`)
fuzz: $(STAMP)
	$(BIN)/python -m pytest tests/fuzz -q -s $(PYTEST_ARGS)

## fuzz-long: the same with many more examples per operation (minutes; not in `make test`)
fuzz-long: $(STAMP)
	GONGJIAN_FUZZ_EXAMPLES=$${GONGJIAN_FUZZ_EXAMPLES:-1000} $(BIN)/python -m pytest tests/fuzz -q -s --timeout=7200 $(PYTEST_ARGS)

## lint: ruff, mypy on shared/ and every domain/, import-linter
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services/registry/domain services/scheduling/domain services/scoring/domain
	$(BIN)/lint-imports

## bench: throughput and latency figures (see docs/benchmarks.md)
bench: $(STAMP)
	GONGJIAN_BENCH_POSTGRES_URL=$${GONGJIAN_BENCH_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
	  $(BIN)/python -m benchmarks $(BENCH)

## soak: the fault suite for 5 minutes on PostgreSQL and a private Redis (writers with duplicates
## and stale versions; connections cut every 2 s, Redis stopped and started, a worker killed);
## the test suite runs the same for 15 s (tests/outages/test_fault_suite.py)
soak: $(STAMP)
	GONGJIAN_SOAK_SECONDS=$${GONGJIAN_SOAK_SECONDS:-300} $(BIN)/python -m pytest -p no:cacheprovider -q -s \
	  tests/outages/test_fault_suite.py

## deploy-test: build the image, run the stack in containers, smoke-test it (minutes; see deploy/README.md)
deploy-test: $(STAMP)
	bash deploy/test.sh

db-upgrade: $(STAMP)
	$(BIN)/gongjian db upgrade

clean:
	rm -rf $(VENV) var .pytest_cache

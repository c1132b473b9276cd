# Everything installs from this repository's files into .venv.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
#: gunicorn workers under `make serve`; empty means 2 x cores + 1.
WORKERS ?=
PG_TEST_URI ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
FLASK := $(BIN)/flask --app wsgi

.PHONY: run serve test test-pg e2e bench fuzz lint format translations venv clean poppler

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

$(VENV)/.e2e: requirements-e2e.txt $(VENV)/.dev
	$(BIN)/python -m pip install -q -r requirements-e2e.txt
	touch $@

venv: $(VENV)/.runtime

## Compile every area's translation catalogue (safety/**/translations).
translations: $(VENV)/.runtime
	@for d in $$(find safety -type d -name translations); do \
		$(BIN)/pybabel compile -d $$d >/dev/null || exit 1; \
	done

## Serve the app on http://127.0.0.1:$(PORT) with the reminder scheduler.
run: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	PORT=$(PORT) SAFETY_SCHEDULER_ENABLED=true $(FLASK) serve --port $(PORT)

## Production: migrations, gunicorn with WORKERS workers on PORT and one
## scheduler process, one process group that stops together (scripts/serve).
serve: $(VENV)/.runtime translations
	PORT=$(PORT) WORKERS=$(WORKERS) scripts/serve

## The whole suite on SQLite.
## poppler's pdftotext and pdffonts read the monthly report PDF in the tests.
poppler:
	command -v pdffonts >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils)

test: $(VENV)/.dev translations poppler
	$(BIN)/python -m pytest --ignore=tests/e2e -q $(PYTEST_ARGS)

## The same suite on PostgreSQL (the suite creates and drops its own database).
test-pg: $(VENV)/.dev translations poppler
	SAFETY_TEST_DATABASE_URI="$${SAFETY_TEST_DATABASE_URI:-$(PG_TEST_URI)}" \
		$(BIN)/python -m pytest --ignore=tests/e2e -q $(PYTEST_ARGS)

## Browser tests: Playwright driving Debian's /usr/bin/chromium.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

e2e: $(VENV)/.e2e translations node_modules/.installed
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/python -m pytest tests/e2e -q $(PYTEST_ARGS)

## Benchmarks, reported as ratios, at 10k and 100k hazards on SQLite and on
## PostgreSQL when it answers at SAFETY_BENCH_PG (settings: bench/__main__.py).
SAFETY_BENCH_SMALL ?= 10000
SAFETY_BENCH_LARGE ?= 100000
SAFETY_BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
bench: $(VENV)/.dev translations
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || true
	SAFETY_BENCH_SMALL=$(SAFETY_BENCH_SMALL) SAFETY_BENCH_LARGE=$(SAFETY_BENCH_LARGE) \
		SAFETY_BENCH_PG="$(SAFETY_BENCH_PG)" $(BIN)/python -m bench

## schemathesis against /api/v1/openapi.json with a token: no 5xx, no schema
## violation (FUZZ_EXAMPLES per operation; a few minutes at 20).
FUZZ_EXAMPLES ?= 20
fuzz: $(VENV)/.dev translations
	$(BIN)/python scripts/fuzz_api.py --max-examples $(FUZZ_EXAMPLES)

lint: $(VENV)/.dev
	$(BIN)/ruff format --check safety tests bench
	$(BIN)/ruff check safety tests bench

format: $(VENV)/.dev
	$(BIN)/ruff format safety tests bench
	$(BIN)/ruff check --fix safety tests bench

clean:
	rm -rf $(VENV) .pytest_cache

# Everything installs from this repository's files into .venv.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_TEST_URI ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test test-pg e2e bench lint format translations venv clean

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
	SAFETY_SCHEDULER_ENABLED=true $(FLASK) serve --port $(PORT)

## The whole suite on SQLite.
test: $(VENV)/.dev translations
	$(BIN)/python -m pytest --ignore=tests/e2e -q $(PYTEST_ARGS)

## The same suite on PostgreSQL (the suite creates and drops its own database).
test-pg: $(VENV)/.dev translations
	SAFETY_TEST_DATABASE_URI="$${SAFETY_TEST_DATABASE_URI:-$(PG_TEST_URI)}" \
		$(BIN)/python -m pytest --ignore=tests/e2e -q $(PYTEST_ARGS)

## Browser tests: Playwright driving Debian's /usr/bin/chromium.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

e2e: $(VENV)/.e2e translations node_modules/.installed
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/python -m pytest tests/e2e -q $(PYTEST_ARGS)

## Benchmarks, reported as ratios.
bench: $(VENV)/.dev translations
	$(BIN)/python -m bench

lint: $(VENV)/.dev
	$(BIN)/ruff format --check safety tests bench
	$(BIN)/ruff check safety tests bench

format: $(VENV)/.dev
	$(BIN)/ruff format safety tests bench
	$(BIN)/ruff check --fix safety tests bench

clean:
	rm -rf $(VENV) .pytest_cache

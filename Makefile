# wagecase: `make run` serves the demo on SQLite, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := app:create_app

.PHONY: install run test lint bench clean messages screenshots fuzz

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/engine_floor.py
	$(BIN)/python bench/api_latency.py
	$(BIN)/python bench/deadline_sweep.py
	$(BIN)/python bench/campaign_launch.py
	$(BIN)/python bench/pages.py

# The API fuzzed longer than in CI: every operation, then chains of calls, with more examples each.
fuzz: install
	WAGECASE_FUZZ_EXAMPLES=$${WAGECASE_FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/api/test_openapi_fuzz.py \
	  tests/api/test_openapi_stateful.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# After marking new messages: refresh the catalogs, then translate the new entries of the zh catalog.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy -k say -k pgettext:1c,2 --project=wagecase --no-location \
	  --sort-output -o /tmp/wagecase-messages.pot .
	$(BIN)/pybabel update -N --omit-header -i /tmp/wagecase-messages.pot -d app/translations

# The README's screenshots, taken from the demo served on a throwaway database (needs /usr/bin/chromium).
screenshots: install
	$(BIN)/python scripts/screenshots.py

# The two README commands, `make run` and `make test`, each build their own
# environment in .venv on first use; nothing needs to be installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app counselor

.PHONY: run dev instance-ready test test-long lint format clean screenshots translations

# What partners read, in their language (counselor/i18n.py): the catalogues are kept as
# .po files; the .mo files the app reads are built from them here, before anything runs.
CATALOGUES := $(wildcard counselor/translations/*/LC_MESSAGES/messages.po)
COMPILED_CATALOGUES := $(CATALOGUES:.po=.mo)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required (set PYTHON=python3.11).") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.run-installed

%.mo: %.po $(VENV)/.run-installed
	$(BIN)/pybabel --quiet compile -i $< -o $@

# Extract the marked strings (babel.cfg), bring every catalogue up to date with them and
# compile. A new or changed string then shows as untranslated in each .po, and the tests
# fail until it is translated (tests/test_translations.py). A new language:
# `$(BIN)/pybabel init -i counselor/translations/messages.pot -d counselor/translations -l xx`,
# translate it, and add it to LANGUAGES in counselor/i18n.py.
translations: $(VENV)/.run-installed
	$(BIN)/pybabel --quiet extract -F babel.cfg --sort-by-file --no-wrap \
		--project counselor --copyright-holder "" -o counselor/translations/messages.pot .
	$(BIN)/pybabel --quiet update --no-fuzzy-matching --ignore-obsolete --no-wrap \
		-i counselor/translations/messages.pot -d counselor/translations
	$(BIN)/pybabel --quiet compile -d counselor/translations

# `run` serves with gunicorn (2 workers), `dev` with Flask's reloading debug server; both
# start the Celery workers, one per kind of work, beside it (Procfile, Procfile.dev). The
# supervisor is exec'd so that Ctrl-C reaches it directly: it stops every process
# gracefully and exits 0.
run: instance-ready
	@echo "  Dashboard: http://$(HOST):$(PORT)/   (web + workers; Ctrl-C stops them all)"
	@echo "  Emails are written to instance/outbox/ and their links logged below."
	@echo "  Webhooks may go to this machine and to plain http:// (local trials only: the"
	@echo "  defaults refuse both; see WEBHOOK_ALLOW_PRIVATE_TARGETS in the README)."
	@echo ""
	@exec env HOST=$(HOST) PORT=$(PORT) COUNSELOR_WEBHOOK_ALLOW_PRIVATE_TARGETS=true COUNSELOR_WEBHOOK_REQUIRE_HTTPS=false $(BIN)/python scripts/procfile.py Procfile

dev: instance-ready
	@echo "  Dashboard: http://$(HOST):$(PORT)/   (debug server, reloads on changes; Ctrl-C stops)"
	@echo "  Webhooks may go to this machine and to plain http:// (local trials only)."
	@echo ""
	@exec env HOST=$(HOST) PORT=$(PORT) COUNSELOR_WEBHOOK_ALLOW_PRIVATE_TARGETS=true COUNSELOR_WEBHOOK_REQUIRE_HTTPS=false $(BIN)/python scripts/procfile.py Procfile.dev

# The database created or upgraded, the ladder loaded, and the demo practice when empty.
instance-ready: $(VENV)/.run-installed $(COMPILED_CATALOGUES)
	$(FLASK) init
	$(FLASK) seed-demo --if-empty
	@echo ""

# The suite runs in two processes per core (pytest-xdist; each has its own databases):
# the tests that drive real gunicorn, Celery, SMTP and proxy processes spend much of their
# time waiting, and a waiting process frees its core (measured on 2 cores: 210 s against
# 250 s with one per core). Tests marked long are left to `make test-long`: the fault and
# outage runs of ten seconds or more (make test keeps one quick run of each kind of fault),
# 10 and 30 s of load, 2,000 and 500 couples, Hypothesis's thorough profile.
TEST_PROCESSES ?= $(shell echo $$(( $$(nproc) * 2 )))
test: $(VENV)/.test-installed $(COMPILED_CATALOGUES)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_PROCESSES)

test-long: $(VENV)/.test-installed $(COMPILED_CATALOGUES)
	$(BIN)/pytest -m long

# mypy reads its files and strictness from pyproject.toml ([tool.mypy]).
lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info

# Refresh the README's screenshots (docs/screenshots/) from the browser tests.
screenshots: $(VENV)/.test-installed $(COMPILED_CATALOGUES)
	COUNSELOR_SCREENSHOTS=1 $(BIN)/pytest -q tests/browser

# Benchmarks (benchmarks/, docs/benchmarks.md): `bench` is the full run (< 10 min on
# 2 cores) and writes docs/benchmarks.md; `bench-quick` runs small sizes (< 2 min) and
# prints the table. wrk is the load generator when Debian's package can be installed.
$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	@touch $@ $(VENV)/.test-installed $(VENV)/.run-installed

.PHONY: bench bench-quick bench-tools bench-capacity
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& (apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null 2>&1; }) \
		|| echo "bench: wrk not installed; using the Python load client"; }

bench: $(VENV)/.bench-installed bench-tools $(COMPILED_CATALOGUES)
	$(BIN)/python -m benchmarks run

bench-quick: $(VENV)/.bench-installed bench-tools
	$(BIN)/python -m benchmarks run --quick

# How many couples this machine serves: the week's busiest stretch (Tuesday 14:00-20:00:
# check-ins, the 18:00 reminder burst, the next morning's reports, counselors' lists) and
# the nightly compile, at C = 360 (an hour in 10 s) on the Procfile's workers; N simulated
# couples bisected (< 10 min), checked at C = 120; prints "one 2-core machine serves about
# C*N couples" and writes benchmarks/output/capacity.json and capacity.md.
bench-capacity: $(VENV)/.bench-installed $(COMPILED_CATALOGUES)
	$(BIN)/python -m benchmarks.capacity

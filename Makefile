# Mitwirken: `make run` starts the product with a demo conference, `make test` runs every test.
# Needs only Python 3.11, make and git; everything else is installed into .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
BASE_URL ?= http://$(HOST):$(PORT)
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test install install-dev messages bench check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Compile the gettext catalogs with Babel (a pip package), so no system gettext is needed.
messages: $(VENV)/.runtime
	@for po in locale/*/LC_MESSAGES/*.po; do \
	  [ -e "$$po" ] || continue; \
	  $(BIN)/pybabel -q compile --use-fuzzy -i "$$po" -o "$${po%.po}.mo" || exit 1; \
	done

run: install messages
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py seed_demo --base-url "$(BASE_URL)" --host "$(HOST)"
	exec $(BIN)/python -m config.serve -b $(HOST) -p $(PORT)

# Each pass in several processes (pytest-xdist), a test file at a time to one of them, so
# a file's module-wide Chromium and servers start once. The embedded pass in three on two
# cores: its browser and live-server tests spend most of their time waiting for the page
# and the server, which the others fill (measured: 557 s in one process, 373 s in two,
# 298 s in three). The PostgreSQL pass keeps the cores busy: two (96 s, 67 s; 78 s in
# three). Each process has a test database, a Redis index (tests/conftest.py) and live
# servers of its own.
TEST_PROCESSES ?= 3
PG_TEST_PROCESSES ?= 2
PYTEST := $(BIN)/pytest --dist loadfile

# The whole suite on the embedded defaults (SQLite, in-memory layer); then, when
# DATABASE_URL is set (as .ci/run sets it), again on PostgreSQL with the Redis channel
# layer the tests whose outcome can depend on the database or the channel layer: the
# services (transactions, locks, constraints, JSON lookups), concurrency, what an audience
# may see, and the socket (the consumer, two processes, revocation). Pages, documents
# and forms read through the same services and run once. One pass after the other: run
# at once on two cores, the real-server tests' timings no longer held.
PG_TESTS := $(wildcard tests/workshops/test_services_*.py) \
  tests/workshops/test_concurrency.py tests/workshops/test_votes_properties.py \
  tests/workshops/test_visibility.py tests/workshops/test_privacy.py \
  tests/workshops/test_privacy_dump.py tests/workshops/test_cards.py \
  tests/workshops/test_plenary.py tests/workshops/test_versions.py \
  tests/workshops/test_own_items.py tests/workshops/test_signatures.py \
  tests/workshops/test_rows.py tests/test_sessions.py \
  tests/workshops/test_monitoring.py tests/workshops/test_reminders.py \
  $(wildcard tests/realtime/test_consumer*.py) tests/realtime/test_commands.py \
  tests/realtime/test_two_processes.py tests/realtime/test_revocation.py \
  tests/realtime/test_forum_roles.py tests/realtime/test_visibility_socket.py \
  tests/realtime/test_snapshot_text.py tests/realtime/test_poison.py
test: install-dev messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r config workshops realtime -x '*/migrations/*'
	env -u DATABASE_URL -u REDIS_URL $(PYTEST) -n $(TEST_PROCESSES)
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$DATABASE_URL) and Redis ($${REDIS_URL:-in-memory layer})"; \
	  $(PYTEST) -n $(PG_TEST_PROCESSES) -m "not browser and not office" $(PG_TESTS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "CI=true but DATABASE_URL is not set: the PostgreSQL run cannot be skipped in CI" >&2; exit 1; \
	fi

# The scenarios of docs/performance.md, the load scenarios each against the bare asyncio
# ceiling too. The last three need the PostgreSQL and Redis of BENCH_DATABASE_URL /
# BENCH_REDIS_URL (a database created anew, a Redis index flushed).
PHONES ?= 1000
IDLE_PHONES ?= 2000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mitwirken_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
bench: install-dev messages
	$(BIN)/python -m bench
	$(BIN)/python -m bench --scenario votes --n $(PHONES)
	$(BIN)/python -m bench.load --phones $(PHONES) --compare
	$(BIN)/python -m bench.load --scenario idle --idle-phones $(IDLE_PHONES) --idle-seconds 60 --compare
	$(BIN)/python -m bench.venue --phones 400
	$(BIN)/python -m bench.load --scenario arrive --phones $(PHONES) --compare
	$(BIN)/python -m bench.arrive_browser --phones $(shell expr $(PHONES) - 1)
	$(BIN)/python -m bench.load --scenario scaleout --phones $(PHONES) --compare \
	  --database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL)
	$(BIN)/python -m bench.load --scenario arrive --phones $(PHONES) --arrive-processes 2 \
	  --compare --database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL)
	$(BIN)/python -m bench --scenario votes --n $(PHONES) --database-url $(BENCH_DATABASE_URL)

check: install-dev
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) var

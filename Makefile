# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make run PORT=5100 FAKE_PORT=5101`: the web app's (simulator, webhooks) and the fake WeChat platform's ports.
PORT ?= 5000
FAKE_PORT ?= 5001
# The install uses uv (much faster than pip): the one on PATH, else one that pip fetches from PyPI into the
# virtualenv; pip alone when that fails, or with `make UV=`.
UV ?= $(shell command -v uv || echo $(BIN)/uv)

.PHONY: install run test drills lint check-install bench mutation train clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	if [ -n "$(UV)" ] && { [ -x "$(UV)" ] || $(BIN)/pip install --quiet uv; } \
	    && $(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test]'; then :; \
	else \
	    echo "uv unavailable or failed: installing with pip"; \
	    $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '.[test]'; \
	fi
	touch $@

install: $(BIN)/.installed

run: install  # migrates and loads the demo area and directory in the same process that starts the children
	PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/citybot user demo-admin  # the console's demo admin: a new password at every run, printed here
	$(BIN)/citybot run-embedded --port $(PORT) --fake-port $(FAKE_PORT) --area demo/area.geojson --directory demo/directory.yaml

lint: install
	$(BIN)/ruff check bot worker tests benchmarks ci
	$(BIN)/mypy bot worker ci
	$(BIN)/lint-imports

test: install lint
	$(BIN)/python -m pytest

drills: install  # the fault drills (README "Fault drills"): private Redis, a cuttable database proxy, killed workers
	$(BIN)/python -m pytest -m drill tests/test_drills.py

check-install: install  # the README's production path from a built wheel (needs PostgreSQL and Redis, else skips)
	$(BIN)/python ci/check_install.py

bench: install
	$(BIN)/python benchmarks/webhook.py
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/geo.py
	$(BIN)/python benchmarks/dispatch.py
	$(BIN)/python benchmarks/duplicates.py
	$(BIN)/python benchmarks/open311.py
	$(BIN)/python benchmarks/broadcast.py

mutation: install  # mutmut on the rule modules, then a score (docs/mutation.md); MUTANTS='bot.links.*' for a part
	$(BIN)/python benchmarks/mutation.py $(MUTANTS)

train: install
	$(BIN)/citybot train-classifier
	$(BIN)/citybot evaluate-classifier

clean:  # also stops the embedded Redis that `make run` leaves running for the next run
	-[ -f instance/redis/redis.pid ] && kill $$(cat instance/redis/redis.pid)
	rm -rf $(VENV) instance .pytest_cache mutants

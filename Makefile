# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint check-install bench train clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/citybot init-db
	$(BIN)/citybot load-area demo/area.geojson
	$(BIN)/citybot load-directory demo/directory.yaml
	$(BIN)/citybot user demo-admin  # the console's demo admin: a new password at every run, printed here
	$(BIN)/citybot run-embedded

lint: install
	$(BIN)/ruff check bot worker tests benchmarks ci
	$(BIN)/mypy bot worker ci
	$(BIN)/lint-imports

test: install lint
	$(BIN)/python -m pytest

check-install: install  # the README's production path from a built wheel (needs PostgreSQL and Redis, else skips)
	$(BIN)/python ci/check_install.py

bench: install
	$(BIN)/python benchmarks/webhook.py
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/geo.py
	$(BIN)/python benchmarks/dispatch.py
	$(BIN)/python benchmarks/duplicates.py

train: install
	$(BIN)/citybot train-classifier
	$(BIN)/citybot evaluate-classifier

clean:  # also stops the embedded Redis that `make run` leaves running for the next run
	-[ -f instance/redis/redis.pid ] && kill $$(cat instance/redis/redis.pid)
	rm -rf $(VENV) instance .pytest_cache

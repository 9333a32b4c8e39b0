# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint bench mutation train clean

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
	$(BIN)/citybot run-embedded

lint: install
	$(BIN)/ruff check bot worker tests benchmarks
	$(BIN)/mypy bot worker

test: install lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/webhook.py
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/geo.py
	$(BIN)/python benchmarks/dispatch.py
	$(BIN)/python benchmarks/duplicates.py

mutation: install  # mutmut on the rule modules, then a score (docs/mutation.md); MUTANTS='bot.links.*' for a part
	$(BIN)/python benchmarks/mutation.py $(MUTANTS)

train: install
	$(BIN)/citybot train-classifier
	$(BIN)/citybot evaluate-classifier

clean:  # also stops the embedded Redis that `make run` leaves running for the next run
	-[ -f instance/redis/redis.pid ] && kill $$(cat instance/redis/redis.pid)
	rm -rf $(VENV) instance .pytest_cache mutants

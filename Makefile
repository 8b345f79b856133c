# Two commands for a fresh machine: `make demo` and `make test`. Both build the venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,server,postgres,dask,browser
PYTEST_WORKERS ?= 2

.PHONY: venv demo test test-fast lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: venv
	$(BIN)/batchops demo

test: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q -ra

test-fast: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q -m "not slow"

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: venv
	$(BIN)/python benchmarks/baseline.py
	$(BIN)/python benchmarks/monitor.py
	$(BIN)/python benchmarks/transform.py
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) .batchops .pytest_cache .mypy_cache .ruff_cache

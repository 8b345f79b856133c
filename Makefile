# Two commands for a fresh machine: `make demo` and `make test`. Both build the venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_EXTRAS ?= dev,server,postgres,dask,browser,s3
PYTEST_WORKERS ?= 2

.PHONY: venv venv-core demo test test-fast lint bench clean

# The demo needs only the core install (a few minutes on a fresh machine); tests and tools
# add the optional parts. Each install has its own stamp, so one never hides the other.
venv-core: $(VENV)/.installed-core
venv: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-core: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[$(TEST_EXTRAS)]"
	touch $@ $(VENV)/.installed-core

demo: venv-core
	$(BIN)/batchops demo

# loadgroup: tests marked xdist_group("name") share one worker (and its module fixtures).
test: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -ra

test-fast: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -m "not slow"

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: venv
	$(BIN)/python benchmarks/baseline.py
	$(BIN)/python benchmarks/monitor.py
	$(BIN)/python benchmarks/transform.py
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) .batchops .pytest_cache .mypy_cache .ruff_cache

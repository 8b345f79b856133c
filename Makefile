# Two commands for a fresh machine: `make demo` and `make test`. Both build the venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_EXTRAS ?= dev,server,postgres,dask,browser,s3,sagemaker
PYTEST_WORKERS ?= 2

.PHONY: venv venv-core frameworks bubblewrap demo test test-fast lint bench clean vendor-swagger-ui

# The demo needs only the core install (a few minutes on a fresh machine); tests and tools
# add the optional parts. Each install has its own stamp, so one never hides the other.
venv-core: $(VENV)/.installed-core
venv: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The compiled module is built by the install: a change to its source installs again. It needs
# a C compiler; where none is found, gcc is installed with apt-get as root (as bubblewrap below).
COMPILED := $(wildcard src/batchops/*/*.c)
CC_FOUND = command -v cc >/dev/null || command -v gcc >/dev/null
INSTALL_GCC = [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && { \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc libc6-dev \
	  >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -q --no-install-recommends gcc libc6-dev >/dev/null 2>&1; }; }

$(VENV)/.installed-core: pyproject.toml setup.py $(COMPILED) | $(VENV)/bin/python
	@$(CC_FOUND) || $(INSTALL_GCC) || echo "no C compiler: install gcc (or clang) to build batchops"
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py $(COMPILED) | $(VENV)/bin/python
	@$(CC_FOUND) || $(INSTALL_GCC) || echo "no C compiler: install gcc (or clang) to build batchops"
	$(BIN)/python -m pip install --quiet -e ".[$(TEST_EXTRAS)]"
	touch $@ $(VENV)/.installed-core

demo: venv-core
	$(BIN)/batchops demo

# The pandas-1 environment of scripts written for SageMaker's framework images, built once from
# its lock file (needs the package index the first time); the tests read it from here. Where it
# cannot be built the tests that need it are skipped, saying why.
frameworks: venv
	-BATCHOPS_ENVIRONMENTS=$(CURDIR)/$(VENV)/frameworks $(BIN)/python -m batchops.runtime.frameworks build

# bubblewrap makes the private root of a processing script for a user other than root; the tests
# run one as `nobody`. Installed here, before the tests run in parallel, as root with apt-get
# where it is missing; where it cannot be, those tests are skipped, saying why.
bubblewrap:
	@command -v bwrap >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends bubblewrap \
	  >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -q --no-install-recommends bubblewrap >/dev/null 2>&1; } || \
	  echo "bubblewrap could not be installed: the tests that need it are skipped"

# loadgroup: tests marked xdist_group("name") share one worker (and its module fixtures).
test: venv frameworks bubblewrap
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -ra --durations=25

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

# Maintainers only: refresh the Swagger UI that /docs serves from the package (Apache-2.0; its
# LICENSE and NOTICE are kept beside it). Installing and running batchops download nothing.
SWAGGER_UI_VERSION ?= 5.36.0
SWAGGER_UI_DIR := src/batchops/server/static/swagger-ui
vendor-swagger-ui:
	rm -rf /tmp/batchops-swagger-ui && mkdir -p /tmp/batchops-swagger-ui
	cd /tmp/batchops-swagger-ui && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) \
		&& tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz
	cd /tmp/batchops-swagger-ui/package && cp swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt \
		swagger-ui.css favicon-32x32.png LICENSE NOTICE $(CURDIR)/$(SWAGGER_UI_DIR)/
	echo "swagger-ui-dist $(SWAGGER_UI_VERSION) (npm), Apache-2.0: see LICENSE and NOTICE" \
		> $(SWAGGER_UI_DIR)/VERSION
	rm -rf /tmp/batchops-swagger-ui

clean:
	rm -rf $(VENV) .batchops .pytest_cache .mypy_cache .ruff_cache

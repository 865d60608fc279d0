# The README's quick start is `make run` and `make test`; everything else is a helper.
# Installs come from the lockfiles in requirements/ (pinned, with hashes): `make lock` remakes them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LOCK := requirements/run.lock
DEV_LOCK := requirements/dev.lock
BUILD_LOCK := requirements/build.lock
# The generator's hot modules compiled to C with mypyc (tools/compile_generation.py; about 1.5x
# the personas per second). COMPILE=0 runs the pure-Python sources instead.
COMPILE ?= 1
COMPILED_STAMP := $(VENV)/.compiled-$(COMPILE)
GENERATION_SOURCES := $(shell find src/avatar_data_generator/generation -name '*.py') tools/compile_generation.py
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test lint typecheck bench install dev lock compiled clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(STAMP)

install: $(STAMP)

# Rebuilt whenever a source of generation/ changes: an extension module is imported before the
# source of the same name, so an old one would hide the edit (the tests refuse a stale build).
$(COMPILED_STAMP): $(GENERATION_SOURCES) | $(STAMP)
	rm -f $(VENV)/.compiled-*
ifeq ($(COMPILE),1)
	$(BIN)/python -c "import mypyc, setuptools" 2>/dev/null || $(BIN)/pip install --quiet --require-hashes -r $(BUILD_LOCK)
	@echo "compiling the generator with mypyc (about 2 minutes the first time)"
	@$(BIN)/python tools/compile_generation.py >$(VENV)/compile.log 2>&1 \
		|| { $(BIN)/python tools/compile_generation.py --clean; \
		     echo "compiling failed (see $(VENV)/compile.log; a C compiler and Python headers are needed): the pure-Python generator runs, slower"; }
else
	$(BIN)/python tools/compile_generation.py --clean
endif
	touch $@

compiled: $(COMPILED_STAMP)

dev: $(DEV_STAMP)

# Pin every dependency of pyproject.toml (and the dev extra) with hashes, for this Python.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--output-file $(LOCK) pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --extra dev \
		--output-file $(DEV_LOCK) pyproject.toml
	cd requirements && ../$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--output-file build.lock build.in

run: $(STAMP) $(COMPILED_STAMP)
	$(BIN)/avatar-data-generator db upgrade
	$(BIN)/avatar-data-generator serve --host $(HOST) --port $(PORT)

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/lint-imports
	$(BIN)/codespell src tests benchmarks tools docs README.md Makefile

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

test: lint typecheck $(COMPILED_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP) $(COMPILED_STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
	find src -name '*.so' -delete

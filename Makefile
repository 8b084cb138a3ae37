# One command per task; CI runs the same ones. `make demo` and `make test` work on a fresh clone.
VENV   := .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
# What each kind of task needs installed, one stamp each: a task installs only what it uses.
APP    := $(VENV)/.installed-app
DEV    := $(VENV)/.installed-dev
TESTS  := $(VENV)/.installed-tests

.PHONY: setup demo test services fmt lint typecheck eval bench serve clean migration

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The package alone: enough for the demo, the server and the evaluation sets.
$(APP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# Plus the checkers (ruff, mypy) and the test tools.
$(DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(APP)

# Plus a real model server for the llm engine's tests. The `local` extra builds llama.cpp from source
# (minutes, once: pip caches the wheel), portable: a -march=native build crashed in decode on our
# machines (see DESIGN.md, offline facts).
$(TESTS): pyproject.toml | $(PY)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install --quiet -e ".[dev,local]"
	touch $@ $(DEV) $(APP)

setup: $(APP)

demo: $(APP)
	$(VENV)/bin/polku demo

services:
	bash .ci/services.sh

test: $(TESTS) services
	$(VENV)/bin/pytest -n 2 --dist loadfile

fmt: $(DEV)
	$(VENV)/bin/ruff format copilot retrieval tools integrations evals bench tests
	$(VENV)/bin/ruff check --fix copilot retrieval tools integrations evals bench tests

lint: $(DEV)
	$(VENV)/bin/ruff check copilot retrieval tools integrations evals bench tests

typecheck: $(DEV)
	$(VENV)/bin/mypy

eval: $(APP)
	$(VENV)/bin/polku eval all

# Benchmarks write bench/REPORT-*.md; the full sizes take a long time (100k-account stores).
bench: $(DEV)
	$(PY) bench/generator_bench.py
	$(PY) bench/retrieval_bench.py
	$(PY) bench/scoring_bench.py
	$(PY) bench/copilot_bench.py
	$(PY) bench/api_load.py

migration: $(APP)
	$(VENV)/bin/polku db revision "$(m)"

serve: $(APP)
	$(VENV)/bin/polku serve

clean:
	rm -rf .polku .pytest_cache .mypy_cache .ruff_cache test-artifacts

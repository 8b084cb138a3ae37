# One command per task; CI runs the same ones. `make demo` and `make test` work on a fresh clone.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: setup demo test services fmt lint typecheck eval bench serve clean migration

# The `local` extra builds llama.cpp from source (minutes, once: pip caches the wheel), portable:
# a -march=native build crashed in decode on our machines (see DESIGN.md, offline facts).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install --quiet -e ".[dev,local]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/polku demo

services:
	bash .ci/services.sh

test: setup services
	$(VENV)/bin/pytest -n 2 --dist loadfile

fmt: setup
	$(VENV)/bin/ruff format copilot retrieval tools integrations evals bench tests
	$(VENV)/bin/ruff check --fix copilot retrieval tools integrations evals bench tests

lint: setup
	$(VENV)/bin/ruff check copilot retrieval tools integrations evals bench tests

typecheck: setup
	$(VENV)/bin/mypy

eval: setup
	$(VENV)/bin/polku eval all

# Benchmarks write bench/REPORT-*.md; the full sizes take a long time (100k-account stores).
bench: setup
	$(PY) bench/generator_bench.py
	$(PY) bench/retrieval_bench.py
	$(PY) bench/scoring_bench.py
	$(PY) bench/copilot_bench.py
	$(PY) bench/api_load.py

migration: setup
	$(VENV)/bin/polku db revision "$(m)"

serve: setup
	$(VENV)/bin/polku serve

clean:
	rm -rf .polku .pytest_cache .mypy_cache .ruff_cache test-artifacts

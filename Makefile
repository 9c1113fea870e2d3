# Targets named in the README. Everything installs into .venv; torch comes first,
# pinned to the CPU build, so nothing later pulls CUDA packages.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= workspace
HOST ?= 127.0.0.1
PORT ?= 8501
TORCH := torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install dev browser demo run test lint typecheck format check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The browser test drives Debian's chromium with its chromedriver.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing Debian's chromium and chromium-driver for the browser test"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

install: $(VENV)/.installed  ## the portal and its libraries

dev: $(VENV)/.installed-dev browser  ## plus test and lint tools, and chromium

demo: install  ## build the demo workspace unless it is built
	$(BIN)/cluster-portal --workspace $(WORKSPACE) demo --if-missing

run: demo  ## serve the portal on http://127.0.0.1:8501
	$(BIN)/cluster-portal --workspace $(WORKSPACE) serve --host $(HOST) --port $(PORT)

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: dev
	$(BIN)/mypy

format: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint typecheck  ## lint, type-check and the whole test suite
	$(BIN)/pytest

bench: dev  ## benchmarks (reads ../shared/data); never part of make test
	$(BIN)/python bench/geocoding.py
	$(BIN)/python bench/import_gtr.py
	$(BIN)/python bench/cluster_scale.py
	$(BIN)/python bench/qa_eval.py
	$(BIN)/python bench/match_eval.py
	$(BIN)/python bench/portal_pages.py
	$(BIN)/python bench/portal_load.py
	$(BIN)/python bench/fuzz.py
	$(BIN)/python bench/crash_safety.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

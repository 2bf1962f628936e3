# lowback: `make help` lists the targets. The two that matter: `make report`, `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The environment is rebuilt whenever the lock or the project's metadata changes.
STAMP := $(VENV)/.lowback-installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
REPORTS := reports
# Another assumptions file for `make report`, e.g. data/scenarios/older-runners.toml
ASSUMPTIONS ?=

.PHONY: help venv report slides notebooks test test-fast architecture bench docs lint format lab explore validate lock clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "lowback needs Python >= 3.11, found " + sys.version'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary=:all: -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

venv: $(STAMP) ## Create .venv from requirements.lock (only if missing or stale)

report: $(STAMP) ## Run every notebook and write offline reports/<notebook>.html (ASSUMPTIONS=file.toml: reports/<file>/)
	$(BIN)/lowback report $(NOTEBOOKS) $(if $(value ASSUMPTIONS),--assumptions '$(subst ','\'',$(value ASSUMPTIONS))',--out $(REPORTS))

# reveal.js for the slide decks, exactly the version package.json pins, from the npm registry.
# (A stamp file: npm dates the files it unpacks in 1985, so make cannot judge them.)
SLIDES_ASSETS := .cache/slides

$(SLIDES_ASSETS)/.installed: package.json
	rm -rf $(SLIDES_ASSETS)
	mkdir -p $(SLIDES_ASSETS)
	cp package.json $(SLIDES_ASSETS)/package.json
	npm install --prefix $(SLIDES_ASSETS) --no-package-lock --no-audit --no-fund --ignore-scripts
	touch $@

slides: $(STAMP) $(SLIDES_ASSETS)/.installed ## Run every notebook; write offline decks reports/<notebook>.slides.html and the lesson reports/lesson.slides.html
	$(BIN)/lowback slides $(NOTEBOOKS) --out $(REPORTS) --reveal-dir $(SLIDES_ASSETS)/node_modules/reveal.js

notebooks: $(STAMP) ## Re-run every notebook top to bottom and store its outputs (then commit them)
	$(BIN)/lowback execute $(NOTEBOOKS)

# Test workers: one per core (auto); --dist loadscope keeps each notebook's cells, and each
# module's fixtures, on one worker, the slowest handed out first (tests/scheduling.py).
# PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= auto

test: $(STAMP) architecture ## The whole suite: architecture, then every test, notebooks included (nbval, strict), on every core
	$(BIN)/python -m pytest --nbval --nbval-current-env -n $(PYTEST_WORKERS) --dist loadscope

# The inner loop: everything but the notebooks, Jupyter kernels and browsers (pytest markers,
# see tests/conftest.py); a test that starts a kernel without its marker fails here.
test-fast: $(STAMP) ## Quick tier for the inner loop: no notebooks, kernels or browsers (about a minute on 2 cores)
	$(BIN)/python -m pytest -m "not notebook and not kernel and not browser" -n $(PYTEST_WORKERS) --dist loadscope

architecture: $(STAMP) ## Check the layers and cycles (import-linter) and the declared dependencies (deptry)
	$(BIN)/lint-imports --no-cache
	$(BIN)/deptry .

bench: $(STAMP) ## Benchmarks against floors measured in the same run: reports/bench.json, reports/bench.html (not part of make test)
	$(BIN)/python -m benchmarks --out $(REPORTS)

# Offline: the built-in mkdocs theme, its highlight.js CDN off (tests/test_docs.py checks the pages).
docs: $(STAMP) ## Build the API reference from the docstrings (mkdocs --strict) into reports/docs/index.html
	$(BIN)/mkdocs build --strict --site-dir $(REPORTS)/docs

lint: $(STAMP) architecture ## Check code and notebooks with ruff (lint and format), the layers and the dependencies
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/ruff format --check src tests notebooks benchmarks

# Not the notebooks: ruff rewrites their JSON, and its float parsing changes the last digit
# of stored outputs (nbval then fails). Fix a notebook's code in the cell, then `make notebooks`.
format: $(STAMP) ## Format code with ruff (notebooks: fix the cell, then make notebooks)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

validate: $(STAMP) ## Check the records and their sentence coverage
	$(BIN)/lowback validate

explore: $(STAMP) ## The symptom explorer as an app, no code (Voila on 127.0.0.1, token; Ctrl-C stops it)
	$(BIN)/lowback explore $(if $(PORT),--port $(PORT))

# Saved notebooks keep figures as plotly data only, as `make notebooks` stores them: the
# kernels' renderer is pinned, and the server's save hook (LAB_CONFIG, on JUPYTER_CONFIG_PATH
# before your own) drops the PNG snapshot JupyterLab's plotly extension adds to each figure.
LAB_CONFIG := $(CURDIR)/src/lowback/app/jupyter/lab

# Jupyter Server writes its token to its runtime folder (jpserver-PID.json, for `jupyter server
# list`, and jpserver-PID-open.html, a page to open: no setting turns them off), and a closed
# terminal (SIGHUP) kills it before it removes them. So it gets a folder of its own (mode 0700),
# removed however it stops, with its kernels' connection files and cookie secret.
lab: $(STAMP) ## Start JupyterLab on 127.0.0.1 with RISE slides (token auth on; open the URL it prints)
	runtime=$$(mktemp -d "$${TMPDIR:-/tmp}/lowback-lab.XXXXXX"); trap 'rm -rf "$$runtime"' EXIT; \
	trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM; \
	JUPYTER_RUNTIME_DIR=$$runtime JUPYTER_CONFIG_PATH=$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH} PLOTLY_RENDERER=plotly_mimetype \
		$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --no-browser --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

lock: ## Re-resolve requirements.lock from pyproject.toml (exact versions and hashes)
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet uv
	.venv-lock/bin/uv pip compile pyproject.toml --all-extras --python-version 3.11 \
		--generate-hashes --no-emit-index-url --no-header --output-file requirements.lock
	rm -rf .venv-lock

clean: ## Remove built reports and caches (keeps .venv)
	rm -rf $(REPORTS) .pytest_cache .ruff_cache .hypothesis

# Quick start: `make run` (set up, run the default scenario) and `make test` (set up, run the tests).
VENV := .venv/bin
ARGS ?=

.PHONY: setup setup-dev run classroom test test-slow lint bench clean

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh dev,ray,web,optuna

run: setup
	$(VENV)/escalation run $(ARGS)

classroom:
	scripts/setup.sh web
	$(VENV)/escalation classroom $(ARGS)

lint: setup-dev
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy

# Bytecode caches are written during the tests even where PYTHONDONTWRITEBYTECODE is set: the
# suite starts many Python processes, and each would compile the package (and each worker
# rewrite the tests) from source again. They go to __pycache__/, which git ignores.
PYTEST := PYTHONDONTWRITEBYTECODE= $(VENV)/python -m pytest

# The README's test command: the linters and every test but the slow end-to-end ones.
test: lint
	scripts/install-browser.sh
	$(PYTEST) -n 2 --dist load -m "not slow and not launchers" $(ARGS)

# The slow end-to-end tests (the browser, sweeps, explorations, long runs), then the two
# launcher comparisons one after the other (two Ray clusters at once time out): CI runs this
# after `make test`, so every test runs on every change. ARGS reaches both runs; a run that
# ARGS leaves without a test (pytest's status 5) is not a failure.
test-slow: setup-dev
	scripts/install-browser.sh
	$(PYTEST) -n 2 --dist load -m "slow and not launchers" $(ARGS) || [ $$? -eq 5 ]
	$(PYTEST) -m launchers $(ARGS) || [ $$? -eq 5 ]

bench: setup-dev
	$(VENV)/python benchmarks/bench_model.py
	$(VENV)/python benchmarks/bench_likelihood.py
	$(VENV)/python benchmarks/bench_explore.py

clean:
	rm -rf .venv .pytest_cache .ruff_cache .hypothesis

# Quick start: `make run` (set up, run the default scenario) and `make test` (set up, run the tests).
VENV := .venv/bin
ARGS ?=

.PHONY: setup setup-dev run classroom test test-launchers lint bench clean

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
test: lint
	scripts/install-browser.sh
	PYTHONDONTWRITEBYTECODE= $(VENV)/python -m pytest -n 2 --dist load -m "not launchers" $(ARGS)

# The two launcher comparisons (a job on the basic, joblib and Ray launchers gives the same
# numbers), about a minute of Ray and joblib start-up: CI runs them after `make test`.
test-launchers: setup-dev
	PYTHONDONTWRITEBYTECODE= $(VENV)/python -m pytest -m launchers $(ARGS)

bench: setup-dev
	$(VENV)/python benchmarks/bench_model.py
	$(VENV)/python benchmarks/bench_likelihood.py
	$(VENV)/python benchmarks/bench_explore.py

clean:
	rm -rf .venv .pytest_cache .ruff_cache .hypothesis

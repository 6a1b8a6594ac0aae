# briefgen: two commands for a newcomer, `make brief` and `make test`.
# The interpreter: the distribution's optimised build first (.ci/python says why).
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell ./.ci/python)
endif
VENV := .venv
BIN := $(VENV)/bin
# One stamp per interpreter: naming another one (PYTHON=...) makes the environment anew.
STAMP := $(VENV)/.installed-$(shell echo '$(PYTHON)' | cksum | cut -d' ' -f1)

.PHONY: brief test check lint bench fuzz clean

# The virtual environment is made from pyproject.toml, and remade when it changes.
$(STAMP): pyproject.toml
	test -e $(STAMP) || rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Editable as a plain path entry in a .pth, no import hook (package-dir in pyproject.toml).
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# Compiled once here: with PYTHONDONTWRITEBYTECODE set, Python would compile briefgen
	# anew at every command's start.
	$(BIN)/python -m compileall -q briefgen bench > /dev/null
	touch $(STAMP)

brief: $(STAMP)  ## Build the example briefs (HTML and PDF) into output/ (and refresh schemas/)
	$(BIN)/briefgen schema
	$(BIN)/briefgen build

check: $(STAMP)  ## Validate the example fact base
	$(BIN)/briefgen check

test: $(STAMP)  ## Run the whole test suite (lint and types included)
	./.ci/system-deps
	$(BIN)/ruff check briefgen tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check briefgen tests bench
	$(BIN)/ruff format --check briefgen tests bench

fuzz: $(STAMP)  ## The property-based tests with the long "nightly" profile (minutes; for a nightly job)
	HYPOTHESIS_PROFILE=nightly $(BIN)/python -m pytest tests/test_fuzz.py

bench: $(STAMP)  ## Run the benchmarks and print a table (installs pandoc, the comparison, if missing)
	./.ci/system-deps
	./.ci/bench-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf output $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Sidos: `make demo` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SIDOS_VAR_DIR ?= $(CURDIR)/var

.PHONY: install system-packages demo test test-sqlite test-postgres lint bench messages clean

install: $(STAMP)

# uv installs in seconds: the one on PATH if there is one, else one installed into the venv (a venv made
# by `uv venv` has no pip, hence ensurepip).
UV = $(shell command -v uv 2>/dev/null || echo $(BIN)/uv)

$(STAMP): pyproject.toml
	scripts/install-system-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip -q; \
	  $(BIN)/python -m pip install -q --disable-pip-version-check uv; }
	$(UV) pip install -q --python $(BIN)/python -e ".[test,redis]"
	@touch $(STAMP)

demo: install
	scripts/demo

test: install
	scripts/run-tests

lint: install
	$(BIN)/ruff check sidos $(wildcard bench)
	SIDOS_DEBUG=1 $(BIN)/sidos makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/run.py

messages: install
	cd sidos && SIDOS_DEBUG=1 ../$(BIN)/sidos makemessages -l fi --ignore 'tests/*' && SIDOS_DEBUG=1 ../$(BIN)/sidos compilemessages

clean:
	rm -rf $(VENV) staticfiles

# Sidos: `make demo` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SIDOS_VAR_DIR ?= $(CURDIR)/var

.PHONY: install system-packages demo test test-sqlite test-postgres lint bench messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	scripts/install-system-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e ".[test,redis]"
	@touch $(STAMP)

demo: install
	scripts/demo

test: install
	scripts/run-tests

lint: install
	$(BIN)/ruff check sidos bench
	SIDOS_DEBUG=1 $(BIN)/sidos makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/run.py

messages: install
	cd sidos && SIDOS_DEBUG=1 ../$(BIN)/sidos makemessages -l fi --ignore 'tests/*' && SIDOS_DEBUG=1 ../$(BIN)/sidos compilemessages

clean:
	rm -rf $(VENV) staticfiles

# InferaDB Management API — developer commands. `make run` and `make test` are the two that matter.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck unit migrate bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start NATS (if none answers at nats.url), the four services and the gateway in the foreground.
run: $(STAMP)
	$(BIN)/python scripts/run.py $(if $(CONFIG),--config $(CONFIG),)

## Lint, type-check and run every test (unit and integration).
test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy libs/common/src gateway/src services/auth/src services/orgs/src services/audit/src services/mailer/src scripts bench

## Every benchmark of quality.md against a stack it starts itself; writes bench/results/latest.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH)

migrate: $(STAMP)
	for service in auth orgs audit mailer; do $(BIN)/inferadb-$$service migrate || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# InferaDB Management API — developer commands. `make run` and `make test` are the two that matter.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck unit migrate bench clean browser system-packages screenshots sdk-models

$(STAMP): pyproject.toml clients/python/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet -e './clients/python[cli]'
	@touch $(STAMP)

install: $(STAMP)

## Start NATS (if none answers at nats.url), the four services, the console and the gateway in the foreground.
run: $(STAMP)
	$(BIN)/python scripts/run.py $(if $(CONFIG),--config $(CONFIG),)

## Lint, type-check and run every test (unit and integration).
## The suite mostly waits on processes it starts, so two workers (one module each at a time) halve its time.
TEST_WORKERS ?= 2
test: $(STAMP) lint typecheck browser system-packages
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

## Chromium for the console's browser tests (tests/web): the distribution's package, never a download.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "tests/web need Chromium at $(CHROMIUM): install the distribution's package (Debian: apt-get install chromium)" >&2; \
	    exit 1; \
	  fi; }

## The tools tests call, from the distribution's packages of the same names:
## docker-compose (tests/deploy validates compose.yaml with `docker-compose config`; no engine needed),
## jq and curl (the getting-started walkthrough), and podman with the runc runtime and debootstrap
## (tests/deploy/test_images.py, under --soak: builds the Dockerfile's targets on a Debian base it makes).
## Recommended packages are left out: docker-compose would pull in the Docker engine, podman buildah & co.
SYSTEM_TOOLS := docker-compose jq curl podman runc debootstrap
system-packages:
	@missing=""; for tool in $(SYSTEM_TOOLS); do \
	  PATH="$$PATH:/usr/sbin:/sbin" command -v $$tool >/dev/null || missing="$$missing $$tool"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "the tests need these system packages:$$missing (Debian: apt-get install --no-install-recommends$$missing)" >&2; \
	    exit 1; \
	  fi; \
	fi

## The console's main pages, light and dark, as PNGs in docs/images/ (a throwaway stack and Chromium).
screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshots.py

## The Python SDK's models (clients/python/src/inferadb_management/models.py) from the gateway's /openapi.json:
## a throwaway stack's, or a running gateway's with URL=http://localhost:3000. Check the result in.
sdk-models: $(STAMP)
	$(BIN)/python scripts/sdk_models.py $(if $(URL),--url $(URL),)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy libs/common/src libs/testing/src gateway/src services/auth/src services/orgs/src services/audit/src services/mailer/src web/src clients/python/src scripts bench

## Every benchmark of quality.md against a stack it starts itself; writes bench/results/latest.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH)

migrate: $(STAMP)
	for service in auth orgs audit mailer; do $(BIN)/inferadb-$$service migrate || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

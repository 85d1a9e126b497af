# Two commands do everything on a fresh machine: `make test` and `make demo`.
# `make test` bootstraps .venv (scripts/bootstrap.sh: test tools, ansible-test's offline pieces,
# apt packages); `make demo` only .venv-demo (scripts/bootstrap-demo.sh: ansible-core, requests,
# flask, from any Python 3.10-3.13 on PATH). A warm bootstrap takes about a second.

SHELL := /bin/bash
PYTHON := .venv/bin/python
# Subset of test phases, e.g. `make test PHASES=units,sanity` (copy always runs first).
PHASES ?=

.PHONY: help bootstrap test demo emulator phases clean

help:
	@echo "make test       bootstrap, then every test phase; ends with 'N passed, N failed'"
	@echo "make demo       light bootstrap (.venv-demo), then the demo against the local API emulator"
	@echo "make emulator   the API emulator in the foreground, printing the exports for the README's ad-hoc commands"
	@echo "make bootstrap  only prepare .venv and the test tools"
	@echo "make phases     list the test phases (select some with PHASES=a,b)"
	@echo "make clean      remove build/ (the collection copy, logs, artifacts)"

bootstrap:
	@scripts/bootstrap.sh

# A failed bootstrap still ends in the closing line, so CI reads a failure, not "no tests".
test:
	@scripts/bootstrap.sh || { echo "bootstrap failed (see above)"; echo "0 passed, 1 failed"; exit 1; }
	@$(PYTHON) scripts/test_all.py $(if $(PHASES),--phases $(PHASES))

phases: bootstrap
	@$(PYTHON) scripts/test_all.py --list

demo:
	@scripts/bootstrap-demo.sh
	@bash scripts/demo.sh

# EMULATOR_PORT=0 picks a free port instead of 8787.
emulator:
	@scripts/bootstrap-demo.sh >&2
	@bash scripts/emulator.sh

clean:
	rm -rf build

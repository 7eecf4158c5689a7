# The README's commands. Each target creates .venv when it is missing and reinstalls only when
# pyproject.toml or constraints.txt changed (stamp files), so a second run starts in seconds.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS := pyproject.toml constraints.txt
# nbgrader calls alembic and jupyter by name: they must come from the venv.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: lab lab-instructor test release demo bench bench-hub lock browser sandbox hub hub-deps clean help
.DEFAULT_GOAL := help

help:
	@echo "make lab      set up and open the course in JupyterLab (PORT=8888 NO_BROWSER=1)"
	@echo "make lab-instructor  the same, with nbgrader's instructor panels"
	@echo "make test     set up and run the whole test suite, browser tests included"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make demo     simulate a class end to end and build the grading report"
	@echo "make bench    measure widget and grading speed"
	@echo "make hub      a class on JupyterHub on 127.0.0.1: real users, PostgreSQL (root; LEARNERS=5, RESUME=hub-grades/...)"
	@echo "make lock     rewrite constraints.txt from the current .venv"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Install exactly the versions the tests pass with (constraints.txt), readkit itself editable.
$(VENV)/.installed-lab: $(DEPS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[instructor]'
	touch $@

$(VENV)/.installed-test: $(DEPS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@ $(VENV)/.installed-lab

lab: $(VENV)/.installed-lab
	$(BIN)/readkit lab $(if $(PORT),--port $(PORT)) $(if $(NO_BROWSER),--no-browser)

# Learners see nbgrader's learner panels only; this one adds Create Assignment and Formgrader.
lab-instructor: $(VENV)/.installed-lab
	$(BIN)/python -m readkit.lab --instructor $(if $(PORT),--port $(PORT)) $(if $(NO_BROWSER),--no-browser)

browser: $(VENV)/.installed-test
	@$(BIN)/python -m tools.ensure_chromium

# Autograde runs every learner kernel in a bubblewrap sandbox (docs/grading.md).
sandbox: $(VENV)/.installed-lab
	@$(BIN)/python -m tools.ensure_bubblewrap

# The hub (docs/hub.md): PostgreSQL, bubblewrap and python3-venv from Debian (apt-get as root),
# configurable-http-proxy from npm into .venv/chp.
hub-deps:
	@$(PYTHON) -m tools.ensure_hub

hub: $(VENV)/.installed-lab hub-deps
	$(BIN)/readkit hub $(if $(LEARNERS),--learners $(LEARNERS)) $(if $(HUB_PORT),--port $(HUB_PORT)) $(if $(RESUME),--resume $(RESUME))

test: $(VENV)/.installed-test browser sandbox hub-deps
	$(BIN)/ruff check src tests tools lessons benchmarks
	$(BIN)/pytest

release: $(VENV)/.installed-lab
	$(BIN)/readkit release

demo: $(VENV)/.installed-lab sandbox
	$(BIN)/readkit demo

bench: $(VENV)/.installed-test browser sandbox
	$(BIN)/python -m benchmarks.widget
	$(BIN)/python -m benchmarks.grading
	$(BIN)/python -m benchmarks.segment

bench-hub: $(VENV)/.installed-test hub-deps sandbox
	$(BIN)/python -m benchmarks.hub

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check > constraints.txt

clean:
	rm -rf $(VENV) grading build dist

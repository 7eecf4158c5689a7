# The README's commands. Each target creates .venv when it is missing and reinstalls only when
# pyproject.toml or constraints.txt changed (stamp files), so a second run starts in seconds.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS := pyproject.toml constraints.txt overrides.txt
# nbgrader calls alembic and jupyter by name: they must come from the venv.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: lab lab-instructor check test release demo bench bench-hub lock browser sandbox hub hub-deps site site-serve widgets clean help
.DEFAULT_GOAL := help

help:
	@echo "make lab      set up and open the course in JupyterLab (PORT=8888 NO_BROWSER=1)"
	@echo "make lab-instructor  the same, with nbgrader's instructor panels"
	@echo "make check    ruff and the light tests, about a minute (no Chromium, sandbox, PostgreSQL or site)"
	@echo "make test     set up and run the whole test suite, browser tests included (WORKERS=$(WORKERS))"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make demo     simulate a class end to end and build the grading report"
	@echo "make bench    measure widget and grading speed"
	@echo "make hub      a class on JupyterHub on 127.0.0.1: real users, PostgreSQL (root; LEARNERS=5, RESUME=hub-grades/...)"
	@echo "make site     the course as a static JupyterLite site in dist/site/ (no install for learners; ASSESSED=1 leaves out lessons 6-8)"
	@echo "make site-serve  build it and serve it on 127.0.0.1 for a try-out (PORT=8000)"
	@echo "make lock     rewrite constraints.txt from the current .venv"
	@echo "make widgets  rebuild the widgets' front ends (src/readkit/widgets/static) with esbuild"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip fetches uv (its version pinned in constraints.txt) into the venv, and uv installs the rest:
# the same versions, in about 25 s where pip took over a minute (bytecode compiled at install:
# the sandbox and the hub's users cannot write .pyc files), less what overrides.txt leaves out.
UV := $(BIN)/uv
$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt uv
UV_INSTALL = $(UV) pip install --quiet --compile-bytecode --overrides overrides.txt --python

# Install exactly the versions the tests pass with (constraints.txt), readkit itself editable.
# The lab has what the README's steps use: nbgrader (instructor) and `readkit new-article`,
# `readkit handout` (authoring: HTML extraction, sentence segmentation).
LAB_EXTRAS := instructor,authoring
# What overrides.txt leaves out, taken out of a venv installed before it did (uv adds, never removes).
LEFT_OUT := rfc3987-syntax lark

$(VENV)/.installed-lab: $(DEPS) | $(UV)
	$(UV) pip uninstall --quiet --python $(BIN)/python $(LEFT_OUT)
	$(UV_INSTALL) $(BIN)/python -c constraints.txt -e '.[$(LAB_EXTRAS)]'
	touch $@

$(VENV)/.installed-test: $(DEPS) | $(UV)
	$(UV) pip uninstall --quiet --python $(BIN)/python $(LEFT_OUT)
	$(UV_INSTALL) $(BIN)/python -c constraints.txt -e '.[test]'
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

# The static JupyterLite site (tools/site): built in its own environment, with only the lab
# extensions the site ships; downloads (Pyodide's core from npm, wheels from PyPI) are cached in
# build/site-cache/, so a repeat build fetches nothing.
# Beside .venv, not in it: the grading sandbox binds .venv, and needs none of this.
SITE_VENV := .venv-site

$(SITE_VENV)/.installed: tools/site/build-requirements.txt | $(UV)
	$(PYTHON) -m venv --without-pip $(SITE_VENV)
	$(UV_INSTALL) $(SITE_VENV)/bin/python -r tools/site/build-requirements.txt
	touch $@

# ASSESSED=1: without lessons 6 to 8, which discuss sentences that assignment 01 grades (for a
# class that has not handed it in yet; rebuild without it afterwards).
site: $(SITE_VENV)/.installed
	$(SITE_VENV)/bin/python -m tools.site build $(if $(ASSESSED),--assessed)

site-serve: site
	$(SITE_VENV)/bin/python -m tools.site serve $(if $(PORT),--port $(PORT))

# The widgets' front ends: esbuild (pinned in package-lock.json) bundles src/readkit/widgets/js
# into static/, which is committed (a clone needs no Node.js). The tests check the bundles are
# up to date, and rebuild them byte for byte where esbuild is installed, as make test does.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

widgets: node_modules/.installed
	$(PYTHON) -m tools.build_widgets

# The tiers (tests/README.md): a test marked with none of these is light.
LIGHT := not browser and not nbgrader and not sandbox and not hub and not slow
# One more pytest-xdist worker than the machine has cores (three on two), at most eight.
CORES := $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
WORKERS ?= $(shell n=$(CORES); echo $$(( n < 7 ? n + 1 : 8 )))

# Python writes its .pyc files during the tests even where the environment says not to
# (PYTHONDONTWRITEBYTECODE=1 on these machines): otherwise each of the suite's hundreds of Python
# processes compiles readkit again, and each pytest process rewrites every test's asserts again.
check test: export PYTHONDONTWRITEBYTECODE :=

# For contributors: what needs none of Chromium, bubblewrap, PostgreSQL or a site build.
check: $(VENV)/.installed-test
	$(BIN)/ruff check src tests tools lessons benchmarks
	$(BIN)/pytest -q -m "$(LIGHT)"

# Everything, on WORKERS processes: tests/support/tiers.py keeps the hub tests on one worker
# and each heavy module on one (its servers start once), the heaviest first. One more than the
# cores: the tests wait (kernels, servers, pages) as well as compute, and a third keeps two busy.
# The site is built here so that it cannot rot: tests/browser/test_site.py drives it.
# Its setup in two steps: the test venv, the site (its own venv and build) and the hub's tools
# side by side (independent; about 15 s less on a fresh clone), then what needs one of them: npm
# (hub-deps brings it) and Chromium and bubblewrap (apt-get takes one dpkg lock at a time).
TEST_SETUP_TOGETHER := $(VENV)/.installed-test site hub-deps
TEST_SETUP_AFTER := node_modules/.installed browser sandbox

test:
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(TEST_SETUP_TOGETHER)
	@$(MAKE) --no-print-directory $(TEST_SETUP_AFTER)
	$(BIN)/ruff check src tests tools lessons benchmarks
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder

release: $(VENV)/.installed-lab
	$(BIN)/readkit release

demo: $(VENV)/.installed-lab sandbox
	$(BIN)/readkit demo

bench: $(VENV)/.installed-test browser sandbox site
	$(BIN)/python -m benchmarks.widget
	$(BIN)/python -m benchmarks.grading
	$(BIN)/python -m benchmarks.segment
	$(BIN)/python -m benchmarks.site

bench-hub: $(VENV)/.installed-test hub-deps sandbox
	$(BIN)/python -m benchmarks.hub

lock: | $(UV)
	$(UV) pip uninstall --quiet --python $(BIN)/python $(LEFT_OUT)
	$(UV_INSTALL) $(BIN)/python -e '.[test]' uv
	$(UV) pip freeze --python $(BIN)/python --exclude-editable | grep -Ev '^(pip|setuptools)==' > constraints.txt

clean:
	rm -rf $(VENV) $(SITE_VENV) grading build dist node_modules

# 就业通 Jiuyetong. `make serve` and `make test` are the whole setup on a fresh machine with
# Python 3.11 and make. Every target is idempotent and does nothing when nothing changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SITE   := build/site
# Inputs of the static site (generated pages under content/guides and content/for, and the
# common.js build-pages joins from js/common/, excluded), and the folders holding them: a
# folder changes when a file in it is deleted, so a retired guide leaves the built site too.
SITE_INPUTS := mkdocs.yml $(shell find content site service js -mindepth 1 \
	\( -path 'content/guides' -o -path 'content/for' -o -name __pycache__ \) -prune -o \
	\( -type f -o -type d \) -not -path 'content/assets/jy/common.js' -not -name '*.pyc' \
	-print 2>/dev/null)

.PHONY: install site db serve lint test check-content loadtest stack lighthouse clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[site,test]'
	@touch $@

site: $(SITE)/.built

$(SITE)/.built: $(STAMP) $(SITE_INPUTS)
	$(PY) -m service build-pages
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet --site-dir $(SITE)
	$(PY) -m service precompress
	@touch $@

db: $(STAMP)
	$(PY) -m service migrate

# `service serve` applies pending migrations itself, once, before starting workers.
#   make serve PORT=8080 HOST=0.0.0.0
PORT ?= 8000
HOST ?= 127.0.0.1
# Links and QR codes name the port served on, unless PUBLIC_BASE_URL says otherwise.
serve: site
	PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}" \
		$(PY) -m service serve --host $(HOST) --port $(PORT)

check-content: $(STAMP)
	$(PY) -m service check-content

# axe-core and acorn for the browser tests (tests/browser skips those checks without npm),
# lighthouse for `make lighthouse`. package.json's overrides pin the two packages lighthouse's
# trace engine asks for as "latest": otherwise every new release of them fails `npm ci`.
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: tests/browser skips its axe-core and ES5 checks"; fi

# Style (ruff) and types (mypy, strict, on service/): settings in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check service tests loadtests
	$(VENV)/bin/mypy

# Database tests run on SQLite, then again on PostgreSQL: TEST_POSTGRES_URL, or else the
# server this kind of machine runs on 127.0.0.1:5432 (trust auth, database `test`) when one
# answers there. TEST_POSTGRES_URL=off runs SQLite only.
PG_LOCAL := postgres://postgres@127.0.0.1:5432/test
test: lint site $(NODE_STAMP)
	@url="$$TEST_POSTGRES_URL"; \
	if [ -z "$$url" ] && $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2).close()" 2>/dev/null; \
		then url="$(PG_LOCAL)"; fi; \
	if [ "$$url" = off ]; then url=""; fi; \
	if [ -z "$$url" ]; then echo "== no PostgreSQL (TEST_POSTGRES_URL unset, nothing on 127.0.0.1:5432): SQLite only"; fi; \
	TEST_POSTGRES_URL="$$url" $(PY) -m pytest || exit 1; \
	if [ -n "$$url" ]; then echo "== the database tests again, on PostgreSQL ($$url)"; \
		TEST_POSTGRES_URL="$$url" JY_TEST_DB=postgres $(PY) -m pytest -m postgres || exit 1; fi

LOAD_STAMP := $(VENV)/.installed-load

$(LOAD_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[load]'
	@touch $@

# A job-fair rehearsal on a scratch database (loadtests/README.md), e.g.
#   make loadtest LOADTEST_ARGS="--seconds 60 --db postgres --workers 2"
loadtest: site $(LOAD_STAMP)
	@case "$(LOADTEST_ARGS)" in *--nginx*) deploy/apt-install nginx;; esac
	$(PY) loadtests/rehearsal.py $(LOADTEST_ARGS)

# The production shape on this machine, to try by hand (deploy/): nginx -> 2 workers ->
# PostgreSQL (127.0.0.1:5432) -> Redis, on a scratch database, until Ctrl-C.
STACK_ARGS ?= --db postgres --workers 2
stack: site $(LOAD_STAMP)
	deploy/apt-install nginx
	$(PY) loadtests/rehearsal.py --nginx --hold $(STACK_ARGS)

# Lighthouse on a phone (mobile, simulated slow 4G) in Debian's Chromium: the home page, a
# guide and the self-check, served by the real server (loadtests/lighthouse.py), e.g.
#   make lighthouse LIGHTHOUSE_ARGS="--runs 1 --pages check"
lighthouse: site $(NODE_STAMP)
	$(PY) loadtests/lighthouse.py $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(SITE) content/guides content/for content/assets/jy/common.js .pytest_cache \
		build/loadtest

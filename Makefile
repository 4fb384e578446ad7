# Two commands matter: `make run` (the app with demo data on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two workers: the machines here (and CI) have two cores. loadgroup keeps a module that
# starts one server for all its tests (xdist_group) on one worker.
PYTEST_ARGS ?= -n 2 --dist loadgroup
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults; production sets DEBUG off and its own variables.
export DEBUG ?= true

.PHONY: run test lint format translations messages migrate seed clean lock audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs come from the lock files only: every package, transitive ones included, at one
# version with the SHA-256 of its files, so what runs is what was tested (and what the
# Dockerfile installs). requirements*.txt are the pinned inputs; `make lock` writes the locks.
$(VENV)/.deps: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev-deps: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.deps

translations: $(VENV)/.deps
	$(BIN)/pybabel -q compile -d locale -D django

run: $(VENV)/.deps translations
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo "Mutirão on http://$(HOST):$(PORT)/ - log in as babassu-manager, honey-staff, ... or admin (password: demo)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev-deps translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext (xgettext); only translators and developers run it.
messages: $(VENV)/.deps
	$(BIN)/python manage.py makemessages -l pt_BR -l en --no-obsolete --ignore=.venv --ignore=staticfiles

# After adding or changing a pin in requirements.txt or requirements-dev.txt. Deterministic:
# versions already in a lock are kept (pip-compile prefers them), the machine's own pip
# configuration (mirrors, local wheels) is ignored so the hashes are PyPI's, and the dev lock
# is constrained by the runtime lock so the two agree. Takes about a minute with a warm cache.
# `make lock UPGRADE=1` moves every unpinned (transitive) package to its latest release.
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
	--annotation-style=line $(if $(UPGRADE),--upgrade)

lock: $(VENV)/.dev-deps
	$(PIP_COMPILE) --output-file=requirements.lock requirements.txt
	$(PIP_COMPILE) --constraint=requirements.lock --output-file=requirements-dev.lock requirements-dev.txt

# Known vulnerabilities in exactly the locked versions; installs nothing. --strict: a package
# that could not be looked up fails the audit instead of passing unchecked. Advisories come
# from PyPI's JSON API (AUDIT_SERVICE=osv asks osv.dev instead).
AUDIT_SERVICE ?= pypi
audit: $(VENV)/.dev-deps
	$(BIN)/pip-audit --strict --disable-pip --require-hashes --progress-spinner off \
		--vulnerability-service $(AUDIT_SERVICE) -r requirements.lock -r requirements-dev.lock

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles

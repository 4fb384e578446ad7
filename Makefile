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

.PHONY: run test lint format translations messages migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
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

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles

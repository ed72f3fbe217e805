# Two commands on a fresh machine: `make run` and `make test` (see README); `make dev` while coding.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
NPM ?= npm
# The browser tests' npm packages (axe-core): `make test` installs them when
# npm is on the machine; without it the browser tests skip (CI=true: fail).
BROWSER_DEPS := $(if $(shell command -v $(NPM) 2>/dev/null),browser-deps)

.PHONY: install browser-deps run dev migrate demo test lint check messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(STAMP)

# npm ci writes node_modules/.package-lock.json; it stands for the install.
node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	touch $@

## The browser tests' npm packages, exactly as package-lock.json pins them (Chromium comes from apt: see README).
browser-deps: node_modules/.package-lock.json

migrate: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=true $(BIN)/python manage.py load_demo

## Set up and run web (gunicorn, clinic/gunicorn_conf.py) + Celery worker + beat on the embedded defaults.
run: demo
	@echo "Staff panel: http://$(HOST):$(PORT)/admin/   health: http://$(HOST):$(PORT)/healthz"
	DEBUG=true HOST=$(HOST) PORT=$(PORT) PATH="$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.run

## The same with Django's auto-reloading development server instead of gunicorn.
dev: demo
	@echo "Staff panel: http://$(HOST):$(PORT)/admin/   health: http://$(HOST):$(PORT)/healthz"
	DEBUG=true HOST=$(HOST) PORT=$(PORT) PATH="$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

## Check the import contract, then run the whole test suite (PostgreSQL/Redis too when DATABASE_URL/REDIS_URL point at them).
test: install lint $(BROWSER_DEPS)
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here" >&2; fi; exit $$rc

## The import contract (.importlinter): layers point down only.
lint: install
	$(BIN)/lint-imports --no-cache

check: install
	DEBUG=true $(BIN)/python manage.py check
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

## Extract the translatable strings into locale/ta (needs GNU gettext), then compile them; commit both files.
messages: install
	cd $(CURDIR) && DEBUG=true $(BIN)/python manage.py makemessages --locale ta --add-location file \
	  --ignore '.venv/*' --ignore 'var/*' --ignore 'staticfiles/*' --ignore 'node_modules/*' \
	  --ignore 'tests/*' --ignore 'bench/*'
	cd $(CURDIR) && DEBUG=true $(BIN)/python manage.py compilemessages --locale ta --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache node_modules

# Two commands matter (see README): `make demo` and `make test`. Both install what they need
# into .venv first; a second run installs nothing new (stamps follow the lock files).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPT ?= 93
PORT ?= 8000
DEMO_URL = http://127.0.0.1:$(PORT)
PYTEST_WORKERS ?= auto

.PHONY: install install-test demo serve test lint format lock bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed-runtime
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed-runtime

# The browser tests (tests/browser) drive Debian's chromium through Playwright; no browser is
# downloaded. Installed once (the binary is the stamp), as root or through sudo.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

install-test: $(VENV)/.installed-test $(CHROMIUM)

demo: install
	$(BIN)/sdsf migrate --noinput
	$(BIN)/sdsf import_territories
	$(BIN)/sdsf load_demo --departement $(DEPT)
	@echo "Plateforme servie sur $(DEMO_URL) avec son service de tâches de fond (Ctrl+C arrête les deux)"
	SDSF_PUBLIC_URL=$(DEMO_URL) $(BIN)/honcho start --procfile Procfile --port $(PORT)

# lint-imports: the apps' layers and the pure cores (.importlinter, docs/architecture.md).
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(PYTEST_WORKERS)

lint: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerates the pinned lock files from pyproject.toml (run after changing a dependency).
lock: install-test
	$(BIN)/pip-compile --quiet --strip-extras -o requirements.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --extra test -o requirements-test.txt pyproject.toml

# Family pages only are translated (English, Arabic; docs/i18n.md): extraction reads sdsf/families
# (minus the guichet unique desk, a staff page), the shared layout (sdsf/site: base, header,
# language selector, menu, site title and footer, the footer's pages; sdsf/core: form fields), the family's proposal
# pages (sdsf/allocation), the models whose choice labels family pages show (offer, allocation),
# the emergency childcare request (sdsf/emergency: its family pages, form, e-mail and messages),
# nothing of the staff pages, which stay French. Re-run after changing a family page, translate
# the new entries, commit .po and .mo. compilemessages also compiles sdsf/locale_dsfr (Arabic for
# django-dsfr's own strings; a LOCALE_PATHS entry never extracted).
I18N_KEEP := sdsf sdsf/families sdsf/locale sdsf/site sdsf/site/navigation.py \
	sdsf/site/context_processors.py sdsf/site/templates sdsf/site/templates/sdsf \
	sdsf/site/templates/sdsf/base.html sdsf/site/templates/sdsf/header.html \
	sdsf/site/templates/sdsf/language_selector.html sdsf/site/templates/site \
	sdsf/site/conformity.py sdsf/core sdsf/core/templates \
	sdsf/core/templates/sdsf sdsf/core/templates/sdsf/field.html \
	sdsf/offer sdsf/offer/models.py sdsf/allocation sdsf/allocation/models.py \
	sdsf/allocation/proposal_views.py sdsf/allocation/answers.py sdsf/allocation/letters.py \
	sdsf/allocation/explain.py sdsf/allocation/intake.py \
	sdsf/allocation/templates sdsf/allocation/templates/allocation \
	sdsf/allocation/templates/allocation/proposals sdsf/allocation/templates/allocation/letter.html \
	sdsf/emergency sdsf/emergency/forms.py sdsf/emergency/service.py \
	sdsf/emergency/family_views.py sdsf/emergency/templates \
	sdsf/emergency/templates/emergency sdsf/emergency/templates/emergency/family \
	sdsf/emergency/templates/emergency/proposal_email.txt \
	sdsf/emergency/templates/emergency/_request_fields.html
I18N_IGNORE := $(filter-out $(I18N_KEEP),$(wildcard * sdsf/* sdsf/site/* sdsf/site/templates/* \
	sdsf/site/templates/sdsf/* sdsf/core/* sdsf/core/templates/* sdsf/core/templates/sdsf/* \
	sdsf/offer/* sdsf/allocation/* sdsf/allocation/templates/* \
	sdsf/allocation/templates/allocation/* sdsf/emergency/* sdsf/emergency/templates/* \
	sdsf/emergency/templates/emergency/*)) sdsf/families/migrations \
	sdsf/families/management sdsf/families/templates/families/desk sdsf/families/views/desk.py \
	sdsf/families/duplicates.py
messages: install
	$(BIN)/sdsf makemessages --locale en --locale ar --no-obsolete --add-location file \
		$(addprefix --ignore ,$(I18N_IGNORE))
	cd sdsf && ../$(BIN)/sdsf compilemessages --locale en --locale ar

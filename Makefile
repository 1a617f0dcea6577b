# Majlis: `make run` serves the site on 127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test translations messages bench evaluate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d blog/translations >/dev/null

# Re-extract the interface strings (Arabic source) and merge them into the fr/en/ar catalogues.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 --ignore-dirs='.* .venv node_modules' -o blog/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i blog/translations/messages.pot -d blog/translations --no-fuzzy-matching >/dev/null

run: install translations
	$(FLASK) setup
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test translations
	$(BIN)/python bench/bench_screening.py
	$(BIN)/python bench/bench_queue.py

clean:
	rm -rf $(VENV) *.egg-info

# magcore task runner: `make test` runs what CI runs (.ci/run installs the system packages
# first, then calls it).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS := dev,docs,html,pdf,calendar,cli,parquet,plots,dask,fast,simulate,statistics,logboek,testing
# What `make demo` needs and no more: the record form as PDF (pdf brings html), tables (cli).
DEMO_EXTRAS := pdf,cli
DEMO_PLUGIN := plugins/magcore-amsterdam
DIST ?= dist

# Every plugins/<name>/ with a pyproject.toml is installed editable next to magcore, so a new
# plugin folder needs no change here.
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
# Paths that ruff checks; folders git does not have yet (empty ones) are left out.
LINT_PATHS := $(wildcard src tests bench plugins)
BENCHMARKS := $(wildcard bench/*.py)

A11Y := tests/a11y
VENV_STAMP := $(VENV)/.magcore-installed
DEMO_STAMP := $(VENV)/.magcore-demo-installed
NODE_STAMP := $(A11Y)/node_modules/.package-lock.json
PUBLICCODE := tests/publiccode
PUBLICCODE_STAMP := $(PUBLICCODE)/node_modules/.package-lock.json
VNU := tests/vnu
VNU_STAMP := $(VNU)/node_modules/.package-lock.json
SPECTRAL := plugins/magcore-web/spectral
SPECTRAL_STAMP := $(SPECTRAL)/node_modules/.package-lock.json
OIDC := tests/web/oidc
OIDC_STAMP := $(OIDC)/node_modules/.package-lock.json

.DEFAULT_GOAL := test
.PHONY: venv demo-venv node-deps test lint demo dist bench docs messages adr-published clean distclean

## venv: create .venv (if missing) and install magcore with all extras, plus every plugin
venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(PLUGIN_DIRS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check \
		-e '.[$(EXTRAS)]' $(foreach dir,$(PLUGIN_DIRS),-e $(dir))
	touch $@

## demo-venv: create .venv (if missing) with only what the demo needs (skipped when `make venv`
## has installed everything already)
demo-venv: $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml $(DEMO_PLUGIN)/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -f $(VENV_STAMP) || $(BIN)/python -m pip install --disable-pip-version-check \
		-e '.[$(DEMO_EXTRAS)]' -e $(DEMO_PLUGIN)
	touch $@

## node-deps: install axe-core and playwright-core for the accessibility checks, the
## publiccode.yml schema types with TypeScript for the publiccode check, the Nu HTML Checker
## (vnu.jar, run with Java) for the HTML validity check, Spectral for the API Design Rules
## check of magcore-web's OpenAPI document, and oidc-provider for the web front end's local
## OpenID provider
node-deps: $(NODE_STAMP) $(PUBLICCODE_STAMP) $(VNU_STAMP) $(SPECTRAL_STAMP) $(OIDC_STAMP)

$(NODE_STAMP): $(A11Y)/package.json $(A11Y)/package-lock.json
	npm ci --prefix $(A11Y) --no-audit --no-fund
	touch $@

$(PUBLICCODE_STAMP): $(PUBLICCODE)/package.json $(PUBLICCODE)/package-lock.json
	npm ci --prefix $(PUBLICCODE) --no-audit --no-fund
	touch $@

$(VNU_STAMP): $(VNU)/package.json $(VNU)/package-lock.json
	npm ci --prefix $(VNU) --no-audit --no-fund
	touch $@

$(SPECTRAL_STAMP): $(SPECTRAL)/package.json $(SPECTRAL)/package-lock.json
	npm ci --prefix $(SPECTRAL) --no-audit --no-fund
	touch $@

$(OIDC_STAMP): $(OIDC)/package.json $(OIDC)/package-lock.json
	npm ci --prefix $(OIDC) --no-audit --no-fund
	touch $@

## test: lint, type-check and run the whole test suite on two cores
test: venv node-deps
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy src
	$(BIN)/mypy plugins/magcore-web/src
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadfile

## lint: ruff (rules and formatting), mypy and the import contracts
lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy src
	$(BIN)/mypy plugins/magcore-web/src
	$(BIN)/lint-imports

## demo: write the demo output to out/demo (installs only magcore[pdf,cli] and magcore-amsterdam)
demo: demo-venv
	$(BIN)/magcore demo --out out/demo

## dist: build the sdist and wheel of magcore and of every plugin into dist/, and check them
dist: venv
	rm -rf $(DIST)
	@set -e; for dir in . $(PLUGIN_DIRS); do \
		$(BIN)/python -m build --no-isolation --outdir $(DIST) $$dir; \
	done
	$(BIN)/twine check --strict $(DIST)/*

## bench: run every bench/*.py
bench: venv
	@set -e; for script in $(BENCHMARKS); do \
		echo "== $$script"; \
		$(BIN)/python "$$script"; \
	done

## docs: build the documentation, warnings are errors
docs: venv
	$(BIN)/sphinx-build -W docs docs/_build/html

## messages: extract magcore's texts (src/magcore/i18n/source.py, documents.py) into the template, update
## every language's .po from it, and compile the .mo files (committed, so a fresh clone and a
## wheel need no build step; tests/test_i18n_catalogues.py checks they match the .po files);
## the web pages' texts (magcore_web/pages/texts.py) likewise into $(WEB_LOCALE)
LOCALE := src/magcore/i18n/locale
WEB_LOCALE := plugins/magcore-web/src/magcore_web/locale
messages: venv
	$(BIN)/pybabel extract --no-default-keywords -k N_:1c,2 -k NP_:1c,2,3 -k T_ --no-location \
		--omit-header --sort-output -o $(LOCALE)/magcore.pot src/magcore/i18n/source.py \
		src/magcore/i18n/documents.py
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $(LOCALE)/magcore.pot -d $(LOCALE) -D magcore
	$(BIN)/pybabel compile --statistics -d $(LOCALE) -D magcore
	$(BIN)/python -m magcore_web.pages.texts > $(WEB_LOCALE)/messages.pot
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 -i $(WEB_LOCALE)/messages.pot \
		-d $(WEB_LOCALE) -D messages
	for dir in plugins/*/src/*/locale; do \
		[ -d "$$dir" ] && $(BIN)/pybabel compile -d "$$dir" -D messages || true; \
	done

## adr-published: lint the generated OpenAPI document with the API Design Rules' own published
## ruleset, which this repository does not carry (see docs/explanation/web.md). Download it first:
##   curl -L https://static.developer.overheid.nl/adr/ruleset.yaml > adr-ruleset.yaml
## Fails on any error or warning.
ADR_RULESET ?= adr-ruleset.yaml
adr-published: venv node-deps
	@test -f "$(ADR_RULESET)" || { echo "No $(ADR_RULESET): download the published ruleset first (see above)."; exit 2; }
	@mkdir -p out
	$(BIN)/python -c 'import json, sys; from magcore_web.api import operations; \
		from magcore_web.api.openapi import openapi_document; \
		from magcore_web.config import API_VERSION; \
		json.dump(openapi_document(operations(), version=API_VERSION, \
		server="https://gesprekken.example.nl/api/v1"), sys.stdout)' > out/openapi.json
	$(SPECTRAL)/node_modules/.bin/spectral lint -r "$(ADR_RULESET)" --fail-severity warn out/openapi.json

## clean: remove build output and caches (keeps .venv and node_modules)
clean:
	rm -rf build dist docs/_build out .pytest_cache .mypy_cache .ruff_cache .hypothesis

## distclean: clean, and remove .venv and the node packages too
distclean: clean
	rm -rf $(VENV) $(A11Y)/node_modules $(PUBLICCODE)/node_modules $(SPECTRAL)/node_modules \
		$(OIDC)/node_modules

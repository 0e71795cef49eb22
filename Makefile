# Entry points for people and CI; the work is done by npm scripts.
#   make demo          install everything, then the end-to-end demo
#   make test          install everything, check the layering and types, then all tests (unit + integration on a real kube-apiserver/etcd)
#   make install       npm packages, moto (AWS emulator), compliance-trestle (OSCAL validator), control plane binaries
#   make controlplane  a local kube-apiserver + etcd in the foreground (DIR=... to keep its data)

SHELL := /bin/bash
PYTHON ?= python3
MOTO_VERSION := 5.2.1
TRESTLE_VERSION := 5.2.0

.PHONY: install moto trestle chromium controlplane-binaries test demo controlplane

install: node_modules/.package-lock.json
	$(MAKE) moto
	$(MAKE) trestle
	$(MAKE) chromium
	$(MAKE) controlplane-binaries

# npm ci installs exactly package-lock.json; it runs again only when the lock or
# package.json is newer than the last install.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Debian's Chromium renders the evidence report to PDF and checks it in tests.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# moto[server] at the pinned version, installed only when it is not importable.
moto:
	@if $(PYTHON) -c "import sys, moto, moto.server; sys.exit(moto.__version__ != '$(MOTO_VERSION)')" 2>/dev/null; then \
		echo "moto $(MOTO_VERSION) present"; \
	else \
		$(PYTHON) -m pip install --quiet "moto[server]==$(MOTO_VERSION)"; \
	fi

# compliance-trestle at the pinned version (validates the OSCAL Assessment Results in
# test/integration/report-oscal.test.ts), installed only when it is not importable.
trestle:
	@if $(PYTHON) -c "import sys, importlib.metadata as m, trestle; sys.exit(m.version('compliance-trestle') != '$(TRESTLE_VERSION)')" 2>/dev/null; then \
		echo "compliance-trestle $(TRESTLE_VERSION) present"; \
	else \
		$(PYTHON) -m pip install --quiet "compliance-trestle==$(TRESTLE_VERSION)"; \
	fi

# kube-apiserver, kubectl and etcd built with Go into .cache/controlplane/ (minutes the first time).
controlplane-binaries:
	npm run controlplane:build

# Layering rules (dependency-cruiser), types (jest transpiles without checking them), then every test.
test: install
	npm run check:deps
	npm run typecheck
	npm test

demo: install
	npm run demo

controlplane:
	npm run controlplane -- up $(if $(DIR),--dir $(DIR))

# CRM Gateway. `make run` starts the gateway (sandbox emulators when no CRM
# is configured); `make test` runs every test and installs what they need.
GO      ?= go
BIN     ?= bin/crm-gateway
PKGS    ?= ./...

.PHONY: lint-go lint-dockerfile run test test-go test-audit test-browser node chromium playground check-playground bench generate check-generated lint build clean

run:
	$(GO) run .

test: test-go test-audit test-browser

test-go:
	$(GO) test -race -count=1 $(PKGS)

# Benchmarks only; speed is never asserted in tests.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 $(PKGS)

generate:
	$(GO) generate ./...

# Proves the committed generated code is current.
check-generated: generate
	git diff --exit-code -- graph/ internal/domain/
	@test -z "$$(git status --porcelain -- graph/ internal/domain/)" || { git status --short -- graph/ internal/domain/; exit 1; }

lint: lint-go lint-dockerfile

lint-go:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

# The image is not built here (no Docker engine); its Dockerfile is linted.
lint-dockerfile: node tests/dockerfile-lint/node_modules/.package-lock.json
	node tests/dockerfile-lint/lint.js Dockerfile

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) .

clean:
	rm -rf bin test-artifacts

# --- GraphQL over HTTP and the playground, tested from outside ---------------
# Both suites run against the real binary in sandbox mode on a free port
# (tests/with-gateway.sh). Node packages come from pinned package-lock.json
# files; Chromium is Debian's (no browser download), installed when missing.
NPM_CI   = npm ci --no-audit --no-fund --loglevel=error
CHROMIUM ?= /usr/bin/chromium
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)
APT      = $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

test-audit: build node tests/http-audit/node_modules/.package-lock.json
	tests/with-gateway.sh $(BIN) node tests/http-audit/audit.mjs

test-browser: build node chromium tests/browser/node_modules/.package-lock.json
	CHROMIUM_PATH=$(CHROMIUM) tests/with-gateway.sh $(BIN) node tests/browser/playground.mjs

# npm ci runs only when the lock file changed since the last install.
%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && $(NPM_CI)
	@touch $@

node:
	@command -v node >/dev/null && command -v npm >/dev/null || { $(APT) update && $(APT) install -y nodejs npm; }

chromium:
	@test -x $(CHROMIUM) || { $(APT) update && $(APT) install -y chromium; }

# The package mirror these machines use lacks some platforms' optional
# rollup binaries, which makes `npm ci` refuse the lock file; `npm install`
# installs the same pinned versions and leaves the lock file as it is.
playground/node_modules/.package-lock.json: playground/package-lock.json
	cd playground && npm install --no-audit --no-fund --loglevel=error
	@touch $@

# Rebuilds the embedded GraphiQL (internal/playground/dist, committed so that
# `go build` needs no Node) from playground/.
playground: node playground/node_modules/.package-lock.json
	cd playground && npx vite build

# Proves the committed playground build matches its sources (Vite's output
# is deterministic).
check-playground: playground
	@test -z "$$(git status --porcelain -- internal/playground/dist)" || { git status --short -- internal/playground/dist; exit 1; }

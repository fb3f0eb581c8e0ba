# CRM Gateway. `make run` starts the gateway (sandbox emulators when no CRM
# is configured); `make test` runs every test and installs what they need.
GO      ?= go
BIN     ?= bin/crm-gateway
PKGS    ?= ./...

.PHONY: soak redis-server prometheus lint-go lint-dockerfile run test test-go test-audit test-browser test-fuzz test-persisted test-rest-client test-apollo test-deploy image podman node chromium playground check-playground bench bench-ab bench-tail generate check-generated lint build clean apikey

run:
	$(GO) run .

test: test-go test-fuzz test-audit test-browser test-persisted test-rest-client test-apollo test-deploy image

# Ten minutes at 500 requests/s with 10 % of upstream calls failing
# (503, reset, stall, malformed): 5xx of the gateway's own must be 0; RSS
# and goroutines at start, peak and end are printed. Not part of `test`.
SOAK_DURATION ?= 10m
SOAK_RATE     ?= 500
soak:
	$(GO) run ./tests/soak -duration $(SOAK_DURATION) -rate $(SOAK_RATE) -faults 0.1

# Issues an API key: make apikey NAME=reporting SCOPES=synergy:read,solos:read [TENANT=acme]
# prints the key and the line for AUTH_API_KEYS_FILE (which holds only its SHA-256).
NAME   ?=
SCOPES ?= synergy:read,synergy:write,solos:read,rkeeper:read,rkeeper:write
TENANT ?=
apikey:
	@$(GO) run . apikey -name '$(NAME)' -scopes '$(SCOPES)' -tenant '$(TENANT)'

# The real servers the Go tests start: Debian's redis-server and prometheus
# (with promtool; the tests run their own on a free port, never a system
# service the package may have started), and Jaeger
# all-in-one built once from its pinned module (tests/jaeger) into the
# user's cache (the first build takes minutes).
JAEGER_BIN ?= $(HOME)/.cache/crm-gateway/jaeger-all-in-one-v1.75.0
test-go: redis-server prometheus $(JAEGER_BIN)
	JAEGER_BIN=$(JAEGER_BIN) $(GO) test -race -count=1 $(PKGS)

redis-server:
	@command -v redis-server >/dev/null || { $(APT) update && $(APT) install -y redis-server; }

prometheus:
	@command -v prometheus >/dev/null && command -v promtool >/dev/null || { $(APT) update && $(APT) install -y prometheus; }

$(JAEGER_BIN): tests/jaeger/go.mod tests/jaeger/go.sum
	cd tests/jaeger && $(GO) build -o $(JAEGER_BIN) github.com/jaegertracing/jaeger/cmd/all-in-one

# Fuzzes the whole HTTP handler (GraphQL, REST, headers, bodies) for a
# bounded time, from the seeds in testdata/fuzz/FuzzHTTPHandler; test-go
# already runs those seeds once.
FUZZTIME ?= 30s
test-fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzHTTPHandler$$' -fuzztime=$(FUZZTIME) .

# Benchmarks only; speed is never asserted in tests.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 $(PKGS)

# Two builds side by side over the shared benchmark's fastfake, in
# alternating rounds: make bench-ab OLD=<commit> [ROUNDS=8] [SCENARIO=S3]
# [OLD_ENV='NAME=value ...'] [NEW_ENV=...]
bench-ab:
	tests/bench-ab/ab.sh $(OLD) $(or $(ROUNDS),8) $(or $(SCENARIO),S3)

# The S3 latency tail at a fixed rate: the gateway, a bare net/http proxy
# making the same upstream call, and the upstream alone, in turn:
# make bench-tail [ROUNDS=3] [RATE=1000]
bench-tail:
	tests/bench-ab/tail.sh $(or $(ROUNDS),3) $(or $(RATE),1000)

generate:
	$(GO) generate ./...

# Proves the committed generated code is current.
check-generated: generate
	git diff --exit-code -- graph/ internal/domain/ gqlgen.yml
	@test -z "$$(git status --porcelain -- graph/ internal/domain/ gqlgen.yml)" || { git status --short -- graph/ internal/domain/ gqlgen.yml; exit 1; }

lint: lint-go lint-dockerfile

lint-go:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	cd tests/deploy && $(GO) vet ./...

# The Dockerfile's base images cannot be pulled here, so it is linted, and
# `make image` builds the equivalent FROM scratch image with podman.
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

# Twice: a sandbox open to all, then one that asks for an API key (the
# Headers tab shows where it goes). Screenshots land in test-artifacts/.
test-browser: build node chromium tests/browser/node_modules/.package-lock.json
	CHROMIUM_PATH=$(CHROMIUM) tests/with-gateway.sh $(BIN) node tests/browser/playground.mjs
	CHROMIUM_PATH=$(CHROMIUM) tests/browser/with-apikey.sh $(BIN) node tests/browser/playground.mjs

# Trusted documents: GraphQL Codegen's client preset builds the manifest
# from the schema and the documents in tests/persisted/src; the gateway
# loads it with PERSISTED_ONLY=true and the client's documents run by hash.
PERSISTED = tests/persisted
test-persisted: build node $(PERSISTED)/node_modules/.package-lock.json
	cd $(PERSISTED) && rm -rf gen build && npx graphql-codegen --config codegen.yml && npx tsc -p .
	PERSISTED_DOCUMENTS_FILE=$(CURDIR)/$(PERSISTED)/gen/persisted-documents.json PERSISTED_ONLY=true \
	  tests/with-gateway.sh $(BIN) node $(PERSISTED)/run.mjs

# --- Deployment: Kubernetes manifests, .env.example, the image ----------------
# tests/deploy is its own Go module (the Kubernetes API types and kustomize
# stay out of the gateway's go.mod): it renders deploy/kubernetes as
# `kubectl apply -k` does, decodes every object strictly, checks our rules
# and runs this binary with the manifests' environment.
test-deploy: build
	cd tests/deploy && GATEWAY_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 ./...

# The OCI image, FROM scratch, built offline with podman (Debian's, with runc,
# installed when missing), then smoke-tested: inspected, and run as a
# read-only, non-root container without capabilities (README, "Operate it"
# → "Image").
IMAGE ?= localhost/crm-gateway:dev
image: build podman
	deploy/build-image.sh $(BIN) $(IMAGE)
	tests/image/smoke.sh $(IMAGE)

podman:
	@command -v podman >/dev/null && command -v runc >/dev/null || { $(APT) update && $(APT) install -y podman runc; }
	@test -s /etc/ssl/certs/ca-certificates.crt || { $(APT) update && $(APT) install -y ca-certificates; }

# The REST facade as an integrator meets it: Redocly CLI's recommended
# rules on the served OpenAPI document (0 errors), then a TypeScript client
# generated by openapi-typescript, compiled by tsc and run with
# openapi-fetch against the sandbox (tests/rest-client/run.sh).
test-rest-client: build node tests/rest-client/node_modules/.package-lock.json
	tests/with-gateway.sh $(BIN) tests/rest-client/run.sh

# Apollo Client as a frontend meets the cross-CRM reads: GraphQL Code
# Generator types the people and opportunities queries from the live
# schema of the sandbox (scalar mapping included), tsc checks them, and
# relayStylePagination pages both connections forward and backward
# (tests/apollo/run.sh).
test-apollo: build node tests/apollo/node_modules/.package-lock.json
	tests/with-gateway.sh $(BIN) tests/apollo/run.sh

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

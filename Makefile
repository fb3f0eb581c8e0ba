# CRM Gateway. `make run` starts the gateway (sandbox emulators when no CRM
# is configured); `make test` runs every test and installs what they need.
GO      ?= go
BIN     ?= bin/crm-gateway
PKGS    ?= ./...

.PHONY: run test test-go bench generate check-generated lint build clean

run:
	$(GO) run .

test: test-go

test-go:
	$(GO) test -race -count=1 $(PKGS)

# Benchmarks only; speed is never asserted in tests.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 $(PKGS)

generate:
	$(GO) generate ./...

# Proves the committed generated code is current.
check-generated: generate
	git diff --exit-code -- graph/

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) .

clean:
	rm -rf bin

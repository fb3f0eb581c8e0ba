# syntax=docker/dockerfile:1
# Build stage: a static binary; generated code and playground assets are
# committed, so neither gqlgen nor Node is needed here.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/crm-gateway .

# Runtime stage: distroless, non-root, nothing but the binary and CA roots.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crm-gateway /crm-gateway
USER nonroot:nonroot
# No LISTEN_ADDR: with a CRM configured the gateway listens on :8080 and
# requires AUTH_MODE; the sandbox binds loopback only. 9090 is /metrics
# when METRICS_ADDR=:9090 (deploy/kubernetes). `make image` builds the same
# layout FROM scratch (deploy/Containerfile.scratch).
EXPOSE 8080 9090
ENTRYPOINT ["/crm-gateway"]

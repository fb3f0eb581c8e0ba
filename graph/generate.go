package graph

//go:generate sh -c "cd .. && go run ./internal/synergyspec/gen && go tool gqlgen generate --config gqlgen.yml"

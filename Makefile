# rolemine — see README.md. Two commands matter on a fresh machine:
#   make demo   runs the main job end to end on generated data
#   make test   runs the checks and the whole test suite (what CI runs)

GO      ?= go
# The DuckDB driver's Arrow interface needs this tag on every go command.
export GOFLAGS := -tags=duckdb_arrow
BIN     := bin/rolemine
DEMO    := demo
PURE    := $(patsubst %,./%/...,$(wildcard features mining eval))

.PHONY: all build test fmt-check vet pure demo bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/rolemine

# test: formatting, vet, the pure-Go packages built without cgo, then every test.
test: fmt-check vet pure
	$(GO) test -count=1 ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# features, mining and eval must not need cgo (only datasets and cmd use DuckDB).
pure:
	CGO_ENABLED=0 $(GO) build $(PURE)

demo: build
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN) generate --identities 20000 --entitlements 5000 --seed 1 --out $(DEMO)/data
	$(BIN) ingest --db $(DEMO)/rolemine.duckdb $(DEMO)/data
	$(BIN) mine --db $(DEMO)/rolemine.duckdb --out $(DEMO)/roles
	$(BIN) evaluate --db $(DEMO)/rolemine.duckdb --policy-out $(DEMO)/policy.json --out $(DEMO)/evaluation
	$(BIN) triage --db $(DEMO)/rolemine.duckdb --policy $(DEMO)/policy.json --out $(DEMO)/triage
	$(BIN) hygiene --db $(DEMO)/rolemine.duckdb --out $(DEMO)/hygiene
	$(BIN) review --db $(DEMO)/rolemine.duckdb --out $(DEMO)/review
	$(BIN) status --db $(DEMO)/rolemine.duckdb

# bench: the performance figures quoted in the README (large sizes; minutes).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

clean:
	rm -rf bin $(DEMO)

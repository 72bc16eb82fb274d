# Tollgate: `make run` serves examples/quickstart locally; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_BIN := node_modules/.bin
PROTO_DEPS := node_modules/@grpc/grpc-js-xds/deps
TESTS = $(shell find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)

.PHONY: help install gen build typecheck lint format format-check test unit check run bench clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed ## install npm dependencies (npm ci)

gen/protos/.stamp: node_modules/.installed proto/tollgate/config/v1/processor_config.proto
	rm -rf gen/protos
	$(NODE_BIN)/proto-loader-gen-types --keepCase --longs=Number --enums=String --oneofs \
	  --grpcLib=@grpc/grpc-js -I $(PROTO_DEPS)/envoy-api -I $(PROTO_DEPS)/xds -I $(PROTO_DEPS)/googleapis \
	  -I $(PROTO_DEPS)/protoc-gen-validate -I node_modules/protobufjs -I proto -O gen/protos \
	  envoy/service/ext_proc/v3/external_processor.proto envoy/service/discovery/v3/ads.proto \
	  tollgate/config/v1/processor_config.proto >/dev/null
	@touch $@

build: gen/protos/.stamp ## compile TypeScript to dist/ (includes generated proto types)
	$(NODE_BIN)/tsc -p tsconfig.json

typecheck: gen/protos/.stamp ## type-check everything, tests included
	$(NODE_BIN)/tsc -p tsconfig.json --noEmit

lint: node_modules/.installed ## eslint (typed rules: floating promises, exhaustive switches)
	$(NODE_BIN)/eslint .

format: node_modules/.installed ## rewrite files with prettier
	$(NODE_BIN)/prettier --write --log-level warn .

format-check: node_modules/.installed
	$(NODE_BIN)/prettier --check --log-level warn .

gen: build ## regenerate CRDs (crds/ and the chart's copy) from the zod schemas
	node dist/cli/main.js crds --out crds
	cp crds/*.yaml charts/tollgate/crds/

check: gen format ## regenerate CRDs and goldens, format, then fail if git shows a diff
	UPDATE_GOLDEN=1 node --test $(filter dist/controller/translate/% dist/controller/xds/%,$(TESTS)) >/dev/null
	git diff --exit-code

unit: build ## run the tests (needs a build)
	bash test/ensure-redis.sh
	bash test/helm/ensure-go.sh
	node --test --test-concurrency=2 $(TESTS)

test: install build lint format-check unit ## install, lint, type-check, all tests

run: build ## serve examples/quickstart on localhost with built-in mock upstreams
	node dist/cli/main.js run -f examples/quickstart --mock-llm mock-a=9101 --mock-llm mock-b=9102

bench: build ## run the benchmarks (prints numbers; see docs/benchmarks.md)
	for f in dist/bench/*.js; do echo "== $$f"; node $$f; done

clean:
	rm -rf dist gen

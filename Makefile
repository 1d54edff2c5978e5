# The journey store: the two quick-start commands and a few helpers.
#   make run    install what is missing, build, load the sample dataset, start the server
#   make test   install what is missing, lint deploy/, run the whole test suite (the log's suite on both backends), the API fuzz run, the real pipeline clients, the page's browser test and the PostgreSQL failover test (what CI runs)
SHELL := /bin/bash
DATA ?= ./data
SAMPLE := Schemas/examples/sample-events.ndjson

.PHONY: run test deps deps-run bench build lint-deploy

# What running needs: liblmdb-dev (linked through pkg-config) and zlib (gzip bodies).
deps-run:
	@if ! command -v pkg-config >/dev/null || ! pkg-config --exists lmdb || ! pkg-config --exists zlib; then \
		echo "installing liblmdb-dev, zlib1g-dev and pkg-config"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblmdb-dev zlib1g-dev pkg-config >/dev/null; \
	fi

# What the tests need besides: python's jsonschema (the schema tests), schemathesis (the API
# fuzz run), and the real pipeline clients (Segment's, RudderStack's, the CloudEvents SDK).
deps: deps-run
	@if ! python3 -c "import jsonschema, rfc3339_validator" 2>/dev/null; then \
		echo "installing python jsonschema"; \
		pip install -q jsonschema rfc3339-validator; \
	fi
	@if ! command -v st >/dev/null; then \
		echo "installing schemathesis"; \
		pip install -q schemathesis; \
	fi
	@if ! python3 -c "import segment.analytics, rudderstack.analytics, cloudevents.core" 2>/dev/null; then \
		echo "installing the pipeline clients (segment-analytics-python, rudder-sdk-python, cloudevents)"; \
		pip install -q segment-analytics-python rudder-sdk-python cloudevents; \
	fi
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "installing chromium and chromium-driver (the page's browser test)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@if ! python3 -c "import selenium" 2>/dev/null; then \
		echo "installing selenium"; \
		pip install -q selenium; \
	fi
	@if [ ! -x /usr/lib/postgresql/15/bin/postgres ] || ! command -v patroni >/dev/null || ! command -v etcd >/dev/null; then \
		echo "installing postgresql-15, patroni and etcd-server (the PostgreSQL log's tests and failover test start their own servers)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 patroni etcd-server >/dev/null; \
	fi

build: deps-run
	swift build -c release --product journeyctl

# The store is encrypted: make run makes a master key in ./journey-master.key (outside the data
# folder, mode 0600, git-ignored) unless JOURNEY_MASTER_KEY_FILE or JOURNEY_MASTER_KEY is set.
KEY ?= ./journey-master.key

run: build
	@if [ -z "$$JOURNEY_MASTER_KEY_FILE$$JOURNEY_MASTER_KEY" ] && [ ! -f $(KEY) ]; then .build/release/journeyctl keygen -o $(KEY); fi
	JOURNEY_MASTER_KEY_FILE=$${JOURNEY_MASTER_KEY_FILE:-$(if $(JOURNEY_MASTER_KEY),,$(KEY))} .build/release/journeyctl ingest $(SAMPLE) --data $(DATA)
	JOURNEY_MASTER_KEY_FILE=$${JOURNEY_MASTER_KEY_FILE:-$(if $(JOURNEY_MASTER_KEY),,$(KEY))} .build/release/journeyctl serve --data $(DATA)

# One build serves everything: the tests, the CLI end-to-end tests (they run the built
# journeyctl) and the fuzz run (swift test alone would compile the graph a second time).
test: deps
	.ci/lint-deploy
	swift build --build-tests
	swift test --skip-build --skip JourneyPostgresTests
	# The PostgreSQL suites in a process of their own: the other suites' blocking helpers (a child
	# journeyctl waited for) would hold the cooperative threads their servers' client needs.
	swift test --skip-build --filter JourneyPostgresTests
	# The log's suite again, every store a node's replica of a log on PostgreSQL (both backends).
	JOURNEY_TEST_LOG=postgres swift test --skip-build --no-parallel --filter JourneyStoreTests
	.ci/fuzz-api
	.ci/pipeline-clients
	.ci/browser-test
	.ci/pg-failover/run

# Offline checks of deploy/: hadolint, systemd-analyze verify, kubernetes-validate, nginx -t.
lint-deploy:
	.ci/lint-deploy

bench: deps-run
	swift build -c release --product journey-bench
	.build/release/journey-bench

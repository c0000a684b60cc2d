# The two commands: `make synth` and `make test`. Both install what they need first.
# `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
# checkov (policy scan in `make test`) lives in its own venv: its pins conflict with the app's.
CHECKOV_VENV := .venv-checkov
CHECKOV_INSTALLED := $(CHECKOV_VENV)/.installed
# Environment names, e.g. `make synth ENV="dev prod"`; empty means every environment.
ENV ?=

# jsii prints a Node 20 end-of-life banner on every run unless told the major version.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# No HashiCorp checkpoint calls (telemetry, version check) from the cdktf CLI or Terraform.
export CHECKPOINT_DISABLE := 1

.DEFAULT_GOAL := help
.PHONY: help install synth synth-hcl check secrets lint test test-quick bench bench-tests diff deploy \
	plan-check apply clean snapshot-update

# Variables a help line names as $(NAME): the help shows their values (e.g. make help PORT=0).
HELP_SHOWS = PORT
## List the targets with one line each
help:
	@echo "usage: make TARGET [ENV=<environment>] [ALLOW=<kind>]"
	@echo
	@$(foreach name,$(HELP_SHOWS),$(name)='$($(name))') awk '\
	  /^## /{text=substr($$0,4); \
	    while (match(text, /\$$\([A-Z_]+\)/) && (substr(text,RSTART+2,RLENGTH-3) in ENVIRON)) \
	      text=substr(text,1,RSTART-1) ENVIRON[substr(text,RSTART+2,RLENGTH-3)] substr(text,RSTART+RLENGTH); \
	    next} \
	  /^[a-z][a-z-]*( [a-z][a-z-]*)*:/ && text {split($$0,t,":"); printf "  %-18s %s\n", t[1], text; text=""} \
	  !/^## /{text=""}' $(MAKEFILE_LIST)
	@echo
	@echo "Details and examples: README.md, and .venv/bin/python main.py --help"

## Install the pinned Python packages (.venv), checkov (.venv-checkov) and the cdktf CLI, side by side
install: $(INSTALLED) $(CHECKOV_INSTALLED) $(NODE_INSTALLED)

# uv installs the same pins as pip, several times faster; itself pinned in requirements-uv.txt
# and bootstrapped with pip into a tool folder (not the venv: the checkov venv uses it too).
UV_DIR := .tools/uv
UV := $(UV_DIR)/bin/uv
UV_INSTALL = $(UV) pip install --quiet --python

$(UV): requirements-uv.txt
	@echo "install: uv (the installer) into $(UV_DIR)/ ..."
	rm -rf $(UV_DIR)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(UV_DIR) -r requirements-uv.txt
	@touch $@

$(INSTALLED): requirements.txt | $(UV)
	@echo "Installing the pinned Python packages into $(VENV)/ (first time: ~30 s)..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# --compile-bytecode (pip's default, not uv's): the suite starts hundreds of Python processes,
	@# and machines that set PYTHONDONTWRITEBYTECODE would compile every import again in each.
	$(UV_INSTALL) $(BIN)/python --compile-bytecode -r requirements.txt
	@touch $@ && echo "install: $(VENV)/ ready"

$(CHECKOV_INSTALLED): requirements-checkov.txt | $(UV)
	@echo "Installing checkov (policy scan) into $(CHECKOV_VENV)/ (first time: ~30 s)..."
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(UV_INSTALL) $(CHECKOV_VENV)/bin/python -r requirements-checkov.txt
	@touch $@ && echo "install: $(CHECKOV_VENV)/ ready"

$(NODE_INSTALLED): package.json package-lock.json
	@echo "Installing the pinned cdktf CLI into node_modules/ (npm ci)..."
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@ && echo "install: node_modules/ ready"

# The three installs run side by side whenever a goal may need them (make stops at the first
# failure and reports it); benchmarks and the rest stay one job at a time.
ifneq ($(filter install test test-quick,$(MAKECMDGOALS)),)
MAKEFLAGS += --jobs=3
endif

## Synthesize every environment (or ENV=...) into cdktf.out/; other stacks are kept
synth: $(INSTALLED)
	$(BIN)/python main.py synth $(ENV)

## Synthesize as HCL into cdktf.out.hcl/ (the way out of cdktf; never touches cdktf.out)
synth-hcl: $(INSTALLED)
	$(BIN)/python main.py synth --hcl $(ENV)

## Validate environment files only (no cdktf, writes nothing, well under a second)
check: $(INSTALLED)
	$(BIN)/python main.py check $(ENV)

.PHONY: schema
## Regenerate the environment file's JSON Schema and docs/environment-file.md's reference from the model
schema: $(INSTALLED)
	$(BIN)/python main.py schema --write

## List the TF_VAR_ variables that carry secret channel addresses
secrets: $(INSTALLED)
	$(BIN)/python main.py secrets $(ENV)

RUFF = $(BIN)/ruff check . && $(BIN)/ruff format --check .
TYPES = $(BIN)/mypy
LINT = $(RUFF) && $(TYPES)

## ruff (lint and format check) and mypy (strict)
lint: $(INSTALLED)
	$(LINT)

# The suite runs as if typed in a shell: make's own variables would reach the makes the tests
# start (MAKELEVEL turns their "make:" lines into "make[1]:", MAKEFLAGS passes -j3 on).
# PYTHONDONTWRITEBYTECODE (set on some machines) is dropped too: without bytecode caches every
# Python process of the suite (servers, main.py, provisioners, workers) compiles what it imports
# from source again, ~1 s of CPU each (collection 8.3 -> 4.1 s, an import of the local server
# 2.8 -> 1.6 s); the caches land in the working copy and the venvs, not in your tree.
OUTSIDE_MAKE := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PYTHONDONTWRITEBYTECODE

# The suite is CPU-bound (Terraform starting its provider): one pytest-xdist worker per core,
# a test module per unit of work, slow units first (tests/worker_plan.py). TEST_WORKERS=0: one
# process, e.g. to read a failure's output in order.
TEST_WORKERS ?= auto
PYTEST = $(BIN)/pytest
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# Both run on a copy of the working tree as it is when they start (tests/working_copy.py): edits
# made meanwhile neither break the run nor get overwritten by it. The copy shares the installs and
# the mypy and ruff caches, and is removed at the end, Ctrl-C included.
# ruff first (a second); mypy alongside the tests, its report printed after theirs: a cold mypy
# (a fresh clone) takes over a minute on one core while the tests would leave it idle at times.
IN_A_COPY = copy="$$($(BIN)/python -m tests.working_copy)" || exit 2; \
	trap 'rm -rf "$$copy" "$$copy.types"' EXIT; trap 'exit 130' INT TERM; \
	echo "$@: on a copy of the working tree in $$copy"; \
	export MYPY_CACHE_DIR="$(CURDIR)/.mypy_cache" RUFF_CACHE_DIR="$(CURDIR)/.ruff_cache"; \
	cd "$$copy" && echo "$(RUFF)" && $(RUFF) || exit $$?; \
	$(TYPES) > "$$copy.types" 2>&1 & types=$$!; \
	$(OUTSIDE_MAKE) $(PYTEST) $(1); tests=$$?; \
	wait $$types; typed=$$?; echo "$(TYPES) (alongside the tests)"; cat "$$copy.types"; \
	[ $$tests -eq 0 ] || exit $$tests; exit $$typed

## Lint, type-check and run the whole test suite (what CI runs), on a copy of the working tree
test: $(INSTALLED) $(CHECKOV_INSTALLED) $(NODE_INSTALLED)
	@$(call IN_A_COPY,$(PYTEST_PARALLEL))

## The edit loop (~50 s): lint, types and every test that starts no Terraform, server or browser
test-quick: $(INSTALLED)
	@$(call IN_A_COPY,--quick -q $(PYTEST_PARALLEL))

# Options of benchmarks/test_benchmark.py, e.g. BENCH_TESTS_ARGS="--tests tests/stacks/plan/plan_guard".
BENCH_TESTS_ARGS ?=

## Time the whole suite (terraform runs and provider starts per module, slowest tests) and make test-quick
bench-tests: $(INSTALLED) $(CHECKOV_INSTALLED) $(NODE_INSTALLED)
	$(OUTSIDE_MAKE) $(BIN)/python -m benchmarks.test_benchmark --pytest-args="$(PYTEST_PARALLEL)" $(BENCH_TESTS_ARGS)

# Options of benchmarks/synth_benchmark.py, e.g. BENCH_ARGS="--repeat 3 --sizes 10,1000".
BENCH_ARGS ?=

## Time synthesis (as shipped vs eager provider import; 10/100/1,000 contacts); prints a table
bench: $(INSTALLED)
	$(BIN)/python benchmarks/synth_benchmark.py $(BENCH_ARGS)

# The cdktf CLI: the pinned one from node_modules.
CDKTF ?= npx cdktf
# `make deploy AUTO_APPROVE=1` applies without asking (CI). Without it the cdktf CLI asks through
# Ink, which needs a terminal on stdin: with none it crashes ("Raw mode is not supported ...",
# hashicorp/terraform-cdk#827, #2873), so the recipe stops first with a message and status 2.
AUTO_APPROVE ?=
# Where providers come from. With a CLI config that has a provider_installation block
# (TF_CLI_CONFIG_FILE, else ~/.terraformrc; `make local-aws` prints one) or an implied local
# mirror holding registry.terraform.io, the cdktf CLI's `terraform providers lock` would ask the
# public registry for every platform's checksums and fail offline: it is skipped, and
# `terraform init` writes the lock file from the mirror (as `make plan-check` does).
# SKIP_PROVIDER_LOCK= (empty) forces the CLI's lock step.
TF_CLI_CONFIG = $(or $(TF_CLI_CONFIG_FILE),$(HOME)/.terraformrc)
IMPLIED_MIRRORS = $(strip $(foreach dir,$(HOME)/.terraform.d/plugins $(HOME)/.local/share/terraform/plugins \
	/usr/local/share/terraform/plugins /usr/share/terraform/plugins,$(wildcard $(dir)/registry.terraform.io)))
PROVIDER_MIRRORED = $(or $(IMPLIED_MIRRORS),$(shell grep -qs '^[[:space:]]*provider_installation' '$(TF_CLI_CONFIG)' && echo yes))
SKIP_PROVIDER_LOCK = $(if $(PROVIDER_MIRRORED),--skip-provider-lock)

## cdktf diff / deploy of one environment, e.g. `make diff ENV=prod` (AWS credentials; no terminal: AUTO_APPROVE=1)
diff deploy: $(INSTALLED) $(NODE_INSTALLED)
	@test -n "$(ENV)" || { echo "usage: make $@ ENV=<environment> [AUTO_APPROVE=1]" >&2; exit 2; }
	@case '$(AUTO_APPROVE)' in ''|1) ;; *) echo "make $@: AUTO_APPROVE='$(AUTO_APPROVE)': allowed values: 1 (apply without asking) or empty (ask)" >&2; exit 2;; esac
	@if [ $@ = deploy ] && [ -z '$(AUTO_APPROVE)' ] && [ ! -t 0 ]; then \
	  echo "make deploy: no terminal to ask for approval on (stdin is not a TTY)." >&2; \
	  echo "  Apply without asking: make deploy ENV=$(ENV) AUTO_APPROVE=1" >&2; \
	  echo "  or the checked plan instead: make plan-check ENV=$(ENV), then make apply ENV=$(ENV)" >&2; \
	  exit 2; fi
	@# The provisioners run the stack directory's copy of their package with the project's Python.
	IM_PYTHON="$${IM_PYTHON:-$(CURDIR)/$(BIN)/python}" $(CDKTF) $@ incident-manager-$(ENV)$(if $(and $(filter deploy,$@),$(AUTO_APPROVE)), --auto-approve)$(if $(SKIP_PROVIDER_LOCK), $(SKIP_PROVIDER_LOCK))
	@# As after make apply: an adoption's import blocks are applied now (stacks/adopted/).
	@if [ "$@" = deploy ]; then rm -f stacks/adopted/$(ENV).imports.json; fi

# Kinds of dangerous change to let through on purpose, e.g. ALLOW="contact-replace".
ALLOW ?=
# How long plan-check and apply wait for a state lock another run holds (Terraform's -lock-timeout).
LOCK_TIMEOUT ?= 60s
# plan-check and apply are one command each (stacks/plan/plan_flow.py): GNU make ends with status 2
# whenever a recipe fails, so CI calls `python main.py plan-check|apply` for the codes
# (0 ok, 2 bad input, 3 refused by the guard, 4 drift; make's "Error N" line shows N too).

## Plan one environment for real, then the drift check and plan guard on that plan: `make plan-check ENV=prod`
plan-check: $(INSTALLED)
	@test -n "$(ENV)" || { echo "usage: make plan-check ENV=<environment> [ALLOW=kind] [REPLACE=address] [LOCK_TIMEOUT=60s]" >&2; exit 2; }
	@$(BIN)/python main.py plan-check $(ENV) $(foreach kind,$(ALLOW),--allow $(kind)) --lock-timeout $(LOCK_TIMEOUT)$(foreach address,$(REPLACE), --replace '$(address)')

## Apply exactly the plan that `make plan-check` checked (read and guarded again first)
apply: $(INSTALLED)
	@test -n "$(ENV)" || { echo "usage: make apply ENV=<environment> [LOCK_TIMEOUT=60s]" >&2; exit 2; }
	@$(BIN)/python main.py apply $(ENV) --lock-timeout $(LOCK_TIMEOUT)

## Remove generated output and tool caches (not the installs, not state, not locks)
clean:
	rm -rf cdktf.out cdktf.out.hcl .pytest_cache .mypy_cache .ruff_cache

## Re-record the environment snapshots after an intended change (review the diff!)
snapshot-update: $(INSTALLED)
	$(BIN)/pytest tests/stacks/test_environment_snapshots.py --snapshot-update

# --- Who gets paged, and when (stacks/paging/; loads no cdktf) ---------------------------------
.PHONY: preview preview-diff bench-preview
# Where `make preview` writes <env>.html, and extra options, e.g. PREVIEW_ARGS="--at 2026-12-25T03:00Z".
PREVIEW_DIR ?= preview.out
PREVIEW_ARGS ?=
BASE ?=

## Paging timelines, on-call calendar and findings of every environment (or ENV=...), + HTML
preview: $(INSTALLED)
	@$(BIN)/python main.py preview $(ENV) --html-dir $(PREVIEW_DIR) $(PREVIEW_ARGS)

## What the working tree changes in paging, as Markdown: `make preview-diff ENV=prod BASE=main`
preview-diff: $(INSTALLED)
	@test -n "$(ENV)" -a -n "$(BASE)" || { echo "usage: make preview-diff ENV=<environment> BASE=<git ref>" >&2; exit 2; }
	@$(BIN)/python main.py preview-diff $(ENV) --base $(BASE) $(PREVIEW_ARGS)

# `make bench` runs this too.
bench: bench-preview
## Time the preview at 1,000 contacts and the examples' HTML; prints a table
bench-preview: $(INSTALLED)
	$(BIN)/python -m benchmarks.preview_benchmark $(PREVIEW_BENCH_ARGS)

# --- A local Incident Manager (local_aws/): rehearse a change without an AWS account ---------
.PHONY: local-aws local-aws-example rehearse
# Port of `make local-aws` (0: any free port; the address is printed).
PORT ?= 4566
# Git ref `make rehearse` applies first, e.g. BEFORE=HEAD~1 or BEFORE=main; empty: none.
BEFORE ?=

# The account `make local-aws` answers as: ACCOUNT=<12 digits>, or ENV=<environment> (its
# account_id and region, so that `make plan-check ENV=...` passes allowed_account_ids); neither:
# moto's 123456789012.
ACCOUNT ?=

## Serve moto's AWS plus ssm-contacts/ssm-incidents on 127.0.0.1:$(PORT) (PORT=0: any free port; ENV= or ACCOUNT=: as that account) until Ctrl-C; prints the variables to export
local-aws: $(INSTALLED)
	exec $(BIN)/python -m local_aws --port $(PORT)$(if $(ACCOUNT), --account-id $(ACCOUNT))$(if $(ENV), --environment $(ENV))

## Apply one environment to a private local Incident Manager (BEFORE first), plan again, destroy: `make rehearse ENV=prod BEFORE=HEAD~1`
rehearse: $(INSTALLED)
	@test -n "$(ENV)" || { echo "usage: make rehearse ENV=<environment> [BEFORE=<git ref>]" >&2; exit 2; }
	$(BIN)/python main.py rehearse $(ENV) $(if $(BEFORE),--before $(BEFORE))

## Load a console-style Incident Manager (the AWS blog walkthrough and more) into the running `make local-aws`, to try `make adopt`
local-aws-example: $(INSTALLED)
	$(BIN)/python -m local_aws.console_setup

# --- Adopt a live Incident Manager --------------------------------------------------------------
.PHONY: adopt bench-adopt fuzz-adopt
## Write stacks/environments/ENV.yaml and import IDs from the live account in REGION, then plan: `make adopt ENV=acme REGION=us-east-1`
adopt: $(INSTALLED)
	@test -n "$(ENV)" -a -n "$(REGION)" || { echo "usage: make adopt ENV=<environment> REGION=<region> [FORCE=1]" >&2; exit 2; }
	$(BIN)/python main.py adopt $(ENV) --region $(REGION) $(if $(FORCE),--force)

# Generated accounts `make fuzz-adopt` runs (make test runs 1, the same one every time).
N ?= 20

## Adopt N more generated console-style accounts (hypothesis, random): adopt, plan, apply, an edit: `make fuzz-adopt N=50`
fuzz-adopt: $(INSTALLED)
	IM_FUZZ_ADOPT_EXAMPLES=$(N) $(OUTSIDE_MAKE) $(BIN)/pytest tests/stacks/adopt/test_adopt_round_trip.py -q -p no:cacheprovider --hypothesis-show-statistics

# `make bench` runs this too.
bench: bench-adopt
## Time `make adopt` of 1,000 contacts and 100 escalation plans from a local server; prints the steps
bench-adopt: $(INSTALLED)
	$(BIN)/python -m benchmarks.adopt_benchmark $(ADOPT_BENCH_ARGS)

# --- Pipelines (.github/workflows/, atlantis.yaml; docs/ci.md) -------------------------------
.PHONY: changed-stacks ci-setup

## The stacks whose synthesized files differ from BASE, as a GitHub Actions matrix: `make changed-stacks BASE=origin/main`
changed-stacks: $(INSTALLED)
	@test -n "$(BASE)" || { echo "usage: make changed-stacks BASE=<git ref>" >&2; exit 2; }
	@$(BIN)/python main.py changed-stacks --base $(BASE)

## What a pipeline job needs before main.py runs: the pinned Python packages in .venv
ci-setup: $(INSTALLED)

.PHONY: atlantis
## Regenerate atlantis.yaml (one Atlantis project per stack) from the environment files
atlantis: $(INSTALLED)
	$(BIN)/python main.py atlantis --write

# The two commands a new user needs: `make dev` and `make test` (see README.md).
.PHONY: dev test setup build release bundle sample-data fmt clean-data

# Set up the toolchain and serve the app on the embedded local workspace with live reload.
# --split: the lazy pages' code is in its own files; an unsplit build cannot load them.
dev: setup
	PATH="$(CURDIR)/end2end/node_modules/.bin:$$PATH" cargo leptos watch --split

# Set up everything and run every check and test (what CI runs).
test:
	scripts/test.sh

setup:
	scripts/setup.sh

build: setup
	PATH="$(CURDIR)/end2end/node_modules/.bin:$$PATH" cargo leptos build --split

# Release build: optimised server binary and a size-optimised wasm split by route (lazy pages are
# separate files fetched when first shown; needs binaryen's wasm-opt).
release: setup
	PATH="$(CURDIR)/end2end/node_modules/.bin:$$PATH" cargo leptos build --release --split

# The app as Databricks Apps deploys it (resources/build/app): the release binary compressed in
# parts under 10 MB with start.sh to join and verify them, the site and app.yaml; then checked
# (file sizes, glibc symbols, a start from a copy of the folder).
# Then: cd resources && databricks bundle deploy -t dev --var warehouse_id=<id> (see README).
bundle: release
	scripts/bundle.sh
	scripts/check-bundle.sh

# Write the sample workspace at another scale, e.g. `make sample-data ROWS=1000000 OUT=/tmp/ws`.
ROWS ?=
OUT ?= data/workspace
sample-data:
	cargo run --features ssr --bin dqx-manager -- sample-data --out $(OUT) $(if $(ROWS),--rows $(ROWS))

fmt:
	cargo fmt --all

# Remove the local data folder (sample workspace and users); it is written again on next start.
clean-data:
	rm -rf data

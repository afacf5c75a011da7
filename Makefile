# The two commands a new user needs: `make dev` and `make test` (see README.md).
.PHONY: dev test setup build release bundle sample-data fmt clean-data

# Set up the toolchain and serve the app on the embedded local workspace with live reload.
dev: setup
	cargo leptos watch

# Set up everything and run every check and test (what CI runs).
test:
	scripts/test.sh

setup:
	scripts/setup.sh

build: setup
	cargo leptos build

# Release build: optimised server binary and a size-optimised wasm (needs binaryen's wasm-opt).
release: setup
	PATH="$(CURDIR)/end2end/node_modules/.bin:$$PATH" cargo leptos build --release

# The app as Databricks Apps deploys it: release binary, site and app.yaml in resources/build/app.
# Then: cd resources && databricks bundle deploy -t dev --var warehouse_id=<id> (see README).
bundle: release
	rm -rf resources/build/app
	mkdir -p resources/build/app
	cp target/release/dqx-manager resources/build/app/
	cp -r target/site resources/build/app/site
	cp resources/app/app.yaml resources/build/app/app.yaml
	@echo "bundle ready in resources/build/app"

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

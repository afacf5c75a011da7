#!/usr/bin/env bash
# Every check and test, in the order that fails fastest: formatting, lints for the server and the
# browser builds, unit and integration tests, the site build, Playwright end to end, the bundle.
# Everything is built once, in the release profile the bundle ships: the tests, the Playwright
# server and the Apps bundle share one build of every dependency (.cargo/config.toml gives every
# build the same flags), and the wasm is built once, split by route.
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-leptos and the wasm-bindgen CLI compile in the background (about 11 minutes cold) while
# the lints and the tests run; they are first needed by the site build.
mkdir -p target
tools_log=target/setup-tools.log
scripts/setup.sh --tools-only >"$tools_log" 2>&1 &
tools_pid=$!
# Each step's wall time, printed at the end (also when a step fails), so a slow phase shows.
started=$SECONDS
step_started=$SECONDS
step_name=""
timings=()
end_step() {
  if [ -n "$step_name" ]; then
    timings+=("$(printf '%5ds  %s' "$((SECONDS - step_started))" "$step_name")")
  fi
}
cleanup() {
  kill "$tools_pid" 2>/dev/null || true
  if [ -n "${pg_dir:-}" ]; then scripts/pg-cluster.sh stop "$pg_dir"; fi
  end_step
  if [ "${#timings[@]}" -gt 0 ]; then
    printf '\nWall time by step (whole run %ds, setup included):\n' "$((SECONDS - started))"
    printf '%s\n' "${timings[@]}"
  fi
}
trap cleanup EXIT
step_name="setup: toolchain, Chromium, Postgres, Python venvs"
scripts/setup.sh --browser --postgres --spark --no-tools
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
# The Spark parity test runs the warehouse's SQL on this venv's pyspark.
export DQX_SPARK_PYTHON="${DQX_SPARK_VENV:-$HOME/.cache/dqx-manager/spark-venv}/bin/python"

# cargo-leptos compiles with LEPTOS_OUTPUT_NAME set, which leptos reads with option_env!: the same
# value here keeps clippy's and cargo test's builds of leptos (and everything above it) the ones
# `cargo leptos build` reuses, instead of compiling them again.
export LEPTOS_OUTPUT_NAME=dqx-manager

step() {
  end_step
  step_name="$*"
  step_started=$SECONDS
  printf '\n\033[1m==> %s\033[0m\n' "$*"
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "layers: model/ and engine/ import neither server:: nor features::; ui/ not features::"
bash scripts/check-layers.sh

step "clippy: server (ssr)"
# --release: build scripts and proc macros are then the same artefacts the release build uses.
cargo clippy --release --features ssr --all-targets -- -D warnings

step "clippy: browser (hydrate, wasm32)"
cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "bundle: databricks.yml against the CLI's schema; the jobs' result logic"
python3 resources/validate_bundle.py
python3 -m unittest discover -s resources/notebooks -p 'test_*.py'

step "private Postgres cluster for the store tests (SSL, scram-sha-256, a role per test user)"
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/dqx-pg.XXXXXX")
scripts/pg-cluster.sh start "$pg_dir" >/dev/null
set -a
# shellcheck disable=SC1091
. "$pg_dir/env"
set +a
echo "Postgres on 127.0.0.1:$DQX_TEST_PG_PORT"

step "cargo test --release (unit and integration)"
cargo test --release --features ssr

step "waiting for the build tools (cargo-leptos, wasm-bindgen), compiled in the background"
if ! wait "$tools_pid"; then
  tail -n 40 "$tools_log" >&2
  echo "test.sh: installing the build tools failed; the whole log is $tools_log" >&2
  exit 1
fi
tail -n 1 "$tools_log"

step "cargo leptos build --release --split (the server binary and the site the bundle ships)"
cargo leptos build --release --split

step "Playwright end to end (Chromium, local mode, the release server and split site)"
rm -rf target/e2e
(cd end2end && E2E_PROFILE=release npx playwright test)

step "the Databricks Apps bundle: parts under 10 MB, glibc <= 2.35, first-page wasm <= 400 KB gzip, starts from app.yaml"
scripts/bundle.sh
scripts/check-bundle.sh
DQX_BUNDLE_DIR="$PWD/resources/build/app" DQX_REQUIRE_BUNDLE=1 \
  cargo test --release --features ssr --test bundle_start -- --nocapture

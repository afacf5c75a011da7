#!/usr/bin/env bash
# Installs what building and testing the app needs, and only what is missing (safe to run again):
# the wasm target, cargo-leptos 0.3.0 (no_downloads) and the wasm-bindgen CLI matching Cargo.lock
# (both compiled at once, beside the package installs),
# the end2end npm packages (Playwright, binaryen's wasm-opt) and, with --browser, Debian's Chromium.
# With --postgres it also makes sure the PostgreSQL server binaries are present; with --spark it
# makes a cached Python venv with pyspark (Java 17 runs it) for the Spark parity tests, at
# ${DQX_SPARK_VENV:-$HOME/.cache/dqx-manager/spark-venv}.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
want_postgres=false
want_spark=false
# --no-tools skips the two compiled build tools; --tools-only installs just them. scripts/test.sh
# runs them apart, so that the tools compile while the lints and tests do.
want_tools=true
want_packages=true
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=true ;;
    --postgres) want_postgres=true ;;
    --spark) want_spark=true ;;
    --no-tools) want_tools=false ;;
    --tools-only) want_packages=false ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "setup.sh: '$*' needs root; run it as root or install sudo" >&2; exit 1
  fi
}

apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if ! command -v cargo >/dev/null; then
  echo "setup.sh: cargo is not installed; install Rust 1.95 with rustup first" >&2
  exit 1
fi

if $want_packages && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The two build tools are compiled without optimisation or LTO instead of cargo-leptos's own
# fat-LTO profile, both at once; they only orchestrate the build, so their own speed hardly
# matters. Measured on 2 cores: cargo-leptos compiles in 5 min 22 s at opt-level 0 (about
# 11.5 min at opt-level 1), and its part of a release site build (wasm-bindgen, splitting, JS
# minifying) takes 67.6 s instead of 61.9 s.
quick_tool_build=(--config profile.release.opt-level=0 --config profile.release.lto=false
  --config profile.release.codegen-units=16 --config profile.release.debug=false)
tool_pids=()
# Stopped (test.sh stops it when a step fails), it stops the compilations it started.
trap 'kill "${tool_pids[@]}" 2>/dev/null; exit 143' TERM INT
if $want_tools && ! cargo leptos --version 2>/dev/null | grep -q "0.3.0"; then
  say "installing cargo-leptos 0.3.0 (no_downloads)"
  cargo install cargo-leptos --version 0.3.0 --locked --features no_downloads "${quick_tool_build[@]}" &
  tool_pids+=($!)
fi

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if $want_tools && ! wasm-bindgen --version 2>/dev/null | grep -q " ${bindgen_version}\$"; then
  say "installing wasm-bindgen-cli ${bindgen_version}"
  cargo install wasm-bindgen-cli --version "${bindgen_version}" --force "${quick_tool_build[@]}" &
  tool_pids+=($!)
fi

if ! $want_packages; then
  for pid in "${tool_pids[@]}"; do
    wait "$pid" || { echo "setup.sh: installing a build tool failed (see above)" >&2; exit 1; }
  done
  say "build tools ready"
  exit 0
fi

if ! command -v npm >/dev/null; then
  say "installing Node.js and npm"
  apt_install nodejs npm
fi

if [ ! -x end2end/node_modules/.bin/playwright ] || [ ! -x end2end/node_modules/.bin/wasm-opt ] \
   || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing the end2end npm packages (Playwright, binaryen)"
  (cd end2end && npm ci --no-audit --no-fund)
fi

if $want_browser && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  say "installing Chromium from Debian"
  apt_install chromium
fi

if $want_postgres && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing the PostgreSQL server"
  apt_install postgresql
fi

if $want_postgres && ! python3 -c 'import jsonschema, yaml' >/dev/null 2>&1; then
  say "installing Python's jsonschema and yaml (bundle schema check)"
  apt_install python3-jsonschema python3-yaml
fi

if $want_spark; then
  spark_venv="${DQX_SPARK_VENV:-$HOME/.cache/dqx-manager/spark-venv}"
  if ! command -v java >/dev/null; then
    say "installing Java 17 (runs Spark for the parity tests)"
    apt_install openjdk-17-jre-headless
  fi
  # pyspark runs the warehouse SQL; DQX 0.17 (as the bundle pins it) runs the job notebooks;
  # pandas and pyarrow are what DQX's checks import on a Databricks runtime; psycopg2 is the
  # driver DQX's Lakebase checks storage loads published rules with.
  if ! "$spark_venv/bin/python" -c 'import pyspark, pandas, pyarrow, psycopg2, databricks.labs.dqx.engine' >/dev/null 2>&1; then
    say "making the Spark venv at $spark_venv (pyspark and DQX 0.17 from PyPI, about 2 minutes)"
    if ! python3 -m venv "$spark_venv" 2>/dev/null; then
      apt_install python3-venv
      python3 -m venv "$spark_venv"
    fi
    "$spark_venv/bin/pip" install -q --disable-pip-version-check \
      "pyspark>=4.0,<5" "databricks-labs-dqx==0.17.0" "pandas>=2,<3" "pyarrow>=15" \
      "psycopg2-binary>=2.9,<3"
  fi
fi

# The tool builds ran while the packages above were fetched.
for pid in "${tool_pids[@]}"; do
  wait "$pid" || { echo "setup.sh: installing a build tool failed (see above)" >&2; exit 1; }
done

say "toolchain ready"

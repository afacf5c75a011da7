#!/usr/bin/env bash
# Lays out the app folder Databricks Apps deploys (resources/build/app) from a release build:
# the server binary xz-compressed and split into parts under 10 MB (the platform refuses any app
# file over 10 MB), its SHA-256, the site, app.yaml and start.sh, which reassembles, verifies and
# starts the binary with only what an Ubuntu 22.04 image has (sh, cat, xz, sha256sum, mktemp).
#   scripts/bundle.sh            # after `cargo leptos build --release --split` (make bundle does both)
set -euo pipefail
cd "$(dirname "$0")/.."

binary=target/release/dqx-manager
site=target/site
app=resources/build/app
part_bytes=9000000

[ -x "$binary" ] || { echo "bundle: no release binary at $binary (run make release)" >&2; exit 1; }
[ -d "$site" ] || { echo "bundle: no site at $site (run make release)" >&2; exit 1; }

rm -rf "$app"
mkdir -p "$app/bin"
cp -r "$site" "$app/site"
cp resources/app/app.yaml resources/app/start.sh "$app/"
sha256sum "$binary" | cut -d' ' -f1 > "$app/bin/dqx-manager.sha256"
xz -T0 -9 -c "$binary" | split -b "$part_bytes" -d -a 2 - "$app/bin/dqx-manager.xz.part-"
echo "bundle ready in $app:"
find "$app" -type f -printf '%s\t%p\n' | sort -rn | awk 'NR <= 5'

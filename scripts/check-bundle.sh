#!/usr/bin/env bash
# Checks the app folder against what Databricks Apps imposes: no file over 10 MB, and a server
# binary (as start.sh reassembles it from the shipped parts) that needs no glibc symbol newer
# than 2.35, the version of the Apps runtime's Ubuntu 22.04, and a first page whose wasm is at most
# 400 KB gzip. Prints the figures it checked.
set -euo pipefail
cd "$(dirname "$0")/.."
app=${1:-resources/build/app}
max_bytes=10000000   # 10 MB, the platform's limit per app file
max_glibc=2.35
max_first_wasm_gzip=409600   # 400 KB: what the browser fetches before the first page is interactive

[ -f "$app/start.sh" ] || { echo "check-bundle: no bundle in $app (run make bundle)" >&2; exit 1; }

largest=$(find "$app" -type f -printf '%s %p\n' | sort -rn | awk 'NR == 1')
echo "largest app file: $largest bytes (limit $max_bytes)"
too_big=$(find "$app" -type f -size +"${max_bytes}"c)
if [ -n "$too_big" ]; then
  echo "check-bundle: these files are over 10 MB and Databricks Apps would refuse the deployment:" >&2
  echo "$too_big" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$app"/bin/dqx-manager.xz.part-* | xz -d > "$work/dqx-manager"
[ "$(sha256sum "$work/dqx-manager" | cut -d' ' -f1)" = "$(cat "$app/bin/dqx-manager.sha256")" ] \
  || { echo "check-bundle: the parts do not reassemble into the binary (SHA-256 differs)" >&2; exit 1; }
echo "binary: $(stat -c %s "$work/dqx-manager") bytes unpacked, $(cat "$app"/bin/dqx-manager.xz.part-* | wc -c) bytes shipped in $(ls "$app"/bin/dqx-manager.xz.part-* | wc -l) parts"

needed=$(objdump -T "$work/dqx-manager" | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' | sed 's/GLIBC_//' | sort -uV | tail -1)
echo "glibc needed: $needed (limit $max_glibc)"
if [ "$(printf '%s\n%s\n' "$needed" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
  echo "check-bundle: the binary needs glibc $needed, newer than Ubuntu 22.04's $max_glibc; it would not start on Databricks Apps" >&2
  exit 1
fi
# The first page loads the main wasm only; the other pages' code is in the split files, fetched
# when a page is first shown (cargo leptos build --split).
pkg="$app/site/pkg"
wasm="$pkg/dqx-manager.wasm"
[ -f "$wasm" ] || { echo "check-bundle: no $wasm in the site" >&2; exit 1; }
first_gzip=$(gzip -9 -c "$wasm" | wc -c)
echo "first-page wasm: $(stat -c %s "$wasm") bytes raw, $first_gzip bytes gzip (limit $max_first_wasm_gzip)"
split_files=$(find "$pkg" -name '*.wasm' ! -name dqx-manager.wasm | wc -l)
echo "lazily loaded wasm: $split_files files, $(find "$pkg" -name '*.wasm' ! -name dqx-manager.wasm -exec cat {} + | gzip -9 -c | wc -c) bytes gzip together"
if [ "$first_gzip" -gt "$max_first_wasm_gzip" ]; then
  echo "check-bundle: the first page's wasm is $first_gzip bytes gzip, over 400 KB; keep page code in lazy routes" >&2
  exit 1
fi
[ "$split_files" -gt 0 ] && [ -f "$pkg/__wasm_split_manifest.json" ] \
  || { echo "check-bundle: no split wasm in the site; build it with cargo leptos build --release --split" >&2; exit 1; }
echo "bundle checks passed"

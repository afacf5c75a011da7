#!/usr/bin/env bash
# Checks the app folder against what Databricks Apps imposes: no file over 10 MB, and a server
# binary (as start.sh reassembles it from the shipped parts) that needs no glibc symbol newer
# than 2.35, the version of the Apps runtime's Ubuntu 22.04. Prints the figures it checked.
set -euo pipefail
cd "$(dirname "$0")/.."
app=${1:-resources/build/app}
max_bytes=10000000   # 10 MB, the platform's limit per app file
max_glibc=2.35

[ -f "$app/start.sh" ] || { echo "check-bundle: no bundle in $app (run make bundle)" >&2; exit 1; }

largest=$(find "$app" -type f -printf '%s %p\n' | sort -rn | head -1)
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
wasm=$(ls "$app"/site/pkg/*.wasm | head -1)
echo "wasm: $(stat -c %s "$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzip"
echo "bundle checks passed"

#!/bin/sh
# Starts the app on Databricks Apps: the binary ships xz-compressed in parts under 10 MB (the
# platform's limit per app file); they are joined, checked against their SHA-256 and unpacked into
# a private temporary directory, then the server replaces this shell. Uses only sh, cat, xz,
# sha256sum and mktemp, all on the Apps runtime's Ubuntu 22.04 image.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dqx-manager.XXXXXX")
cat "$here"/bin/dqx-manager.xz.part-* | xz -d > "$work/dqx-manager"
expected=$(cat "$here/bin/dqx-manager.sha256")
actual=$(sha256sum "$work/dqx-manager" | cut -d' ' -f1)
if [ "$expected" != "$actual" ]; then
  echo "start.sh: the app binary is damaged (SHA-256 $actual, expected $expected); redeploy the bundle" >&2
  exit 1
fi
chmod 700 "$work/dqx-manager"
cd "$here"
exec "$work/dqx-manager"

#!/usr/bin/env bash
# The layers hold: model/ and engine/ never reach into server/ or features/, and ui/ never into
# features/. Fails with every offending line (path:line: text).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {
  local dirs="$1" pattern="$2" why="$3"
  local hits d
  for d in $dirs; do
    [ -d "$d" ] || { echo "layer check: no directory $d" >&2; exit 2; }
  done
  hits=$(grep -rnE "$pattern" $dirs --include='*.rs' | grep -vE '^\S+:[0-9]+:\s*//' || true)
  if [ -n "$hits" ]; then
    echo "layer check failed: $why" >&2
    echo "$hits" >&2
    status=1
  fi
}
check "src/model src/engine" '(crate|super)::(server|features)::' "model/ and engine/ must not import server:: or features::"
check "src/ui" '(crate|super)::features::' "ui/ must not import features::"
if [ "$status" -eq 0 ]; then
  echo "layers hold: model/ and engine/ import neither server:: nor features::; ui/ does not import features::"
fi
exit "$status"

#!/usr/bin/env bash
# The layers hold: model/ and engine/ never reach into server/ or features/, ui/ and links.rs
# never into features/, and the features form no circle: each may use only the features listed
# before it in FEATURE_ORDER. Fails with every offending line (path:line: text).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {
  local dirs="$1" pattern="$2" why="$3"
  local hits d
  for d in $dirs; do
    [ -e "$d" ] || { echo "layer check: no such path $d" >&2; exit 2; }
  done
  hits=$(grep -rnE "$pattern" $dirs --include='*.rs' | grep -vE '^\S+:[0-9]+:\s*//' || true)
  if [ -n "$hits" ]; then
    echo "layer check failed: $why" >&2
    echo "$hits" >&2
    status=1
  fi
}
check "src/model src/engine" '(crate|super)::(server|features)::' "model/ and engine/ must not import server:: or features::"
check "src/ui src/links.rs" '(crate|super)::features::' "ui/ and links.rs must not import features::"

# Lower first: a feature may use the ones before it, never one after it (no circles).
FEATURE_ORDER="session overview monitor editor catalog workflow registry review history analysis validate runs generate"
listed=$(for f in $FEATURE_ORDER; do echo "$f"; done | sort)
present=$(find src/features -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
if [ "$listed" != "$present" ]; then
  echo "layer check failed: FEATURE_ORDER in scripts/check-layers.sh must list every folder of src/features" >&2
  echo "listed: $(echo $listed); present: $(echo $present)" >&2
  status=1
fi
later=""
for f in $(echo $FEATURE_ORDER | tr ' ' '\n' | tac); do
  if [ -n "$later" ]; then
    check "src/features/$f" "crate::features::($later)\\b" "features::$f must not use a feature above it ($later)"
  fi
  later="${later:+$later|}$f"
done
if [ "$status" -eq 0 ]; then
  echo "layers hold: model/ and engine/ import neither server:: nor features::; ui/ does not import features::; features in order: $FEATURE_ORDER"
fi
exit "$status"

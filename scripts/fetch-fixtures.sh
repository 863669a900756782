#!/usr/bin/env bash
# Downloads Memgraph's durability fixtures (tests/integration/durability/tests) at the pinned commit into
# DIR, for a machine that has neither $MGBACKUP_FIXTURES nor ../shared/memgraph-durability. The files are
# Memgraph's test data (BSL/MEL licensed): keep them outside this repository. Then:
#   MGBACKUP_FIXTURES=DIR npm test
set -euo pipefail
commit=df0f63683b6fb5e543ef4ec31b0affffde7c1109
dest="${1:?usage: scripts/fetch-fixtures.sh DIR}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q
git -C "$work" remote add origin https://github.com/memgraph/memgraph.git
git -C "$work" sparse-checkout set --no-cone 'tests/integration/durability/tests/v*/test_all/*' \
  'tests/integration/durability/tests/v*/test_edges/*' 'tests/integration/durability/tests/v*/test_vertices/*'
git -C "$work" fetch -q --depth 1 --filter=blob:none origin "$commit"
git -C "$work" checkout -q FETCH_HEAD
mkdir -p "$dest"
cp -r "$work/tests/integration/durability/tests/." "$dest/"
echo "fixtures in $dest (commit $commit)"

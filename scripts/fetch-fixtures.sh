#!/usr/bin/env bash
# Downloads Memgraph's durability fixtures (tests/integration/durability/tests) at the pinned commit into
# DIR, and Memgraph's ANTLR grammars (src/query/frontend/opencypher/grammar) at that commit and at release
# v3.12.0 into DIR/memgraph-grammar/{df0f636,v3.12.0}, for a machine that has neither $MGBACKUP_FIXTURES
# nor ../shared. The files are Memgraph's test data (BSL/MEL/Apache licensed): keep them outside this
# repository. Then:
#   MGBACKUP_FIXTURES=DIR npm test
set -euo pipefail
commit=df0f63683b6fb5e543ef4ec31b0affffde7c1109
tag=v3.12.0
grammar_dir=src/query/frontend/opencypher/grammar
grammar_files=(MemgraphCypher.g4 MemgraphCypherLexer.g4 Cypher.g4 CypherLexer.g4 UnicodeCategories.g4)
dest="${1:?usage: scripts/fetch-fixtures.sh DIR}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q
# MEMGRAPH_GIT_URL: a mirror to fetch from instead of GitHub.
git -C "$work" remote add origin "${MEMGRAPH_GIT_URL:-https://github.com/memgraph/memgraph.git}"
git -C "$work" sparse-checkout set --no-cone 'tests/integration/durability/tests/v*/test_all/*' \
  'tests/integration/durability/tests/v*/test_edges/*' 'tests/integration/durability/tests/v*/test_vertices/*' \
  "/$grammar_dir/*.g4"
git -C "$work" fetch -q --depth 1 --filter=blob:none origin "$commit"
git -C "$work" checkout -q FETCH_HEAD
mkdir -p "$dest"
cp -r "$work/tests/integration/durability/tests/." "$dest/"

# The grammars: the fixtures' commit (what 3.13 ships) and the v3.12.0 release.
copy_grammar() { # <name>
  mkdir -p "$dest/memgraph-grammar/$1"
  for f in "${grammar_files[@]}"; do cp "$work/$grammar_dir/$f" "$dest/memgraph-grammar/$1/$f"; done
}
copy_grammar "${commit:0:7}"
git -C "$work" fetch -q --depth 1 --filter=blob:none origin "refs/tags/$tag:refs/tags/$tag"
git -C "$work" checkout -q "$tag"
copy_grammar "$tag"
echo "fixtures in $dest, grammars in $dest/memgraph-grammar (commit $commit, tag $tag)"

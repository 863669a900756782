#!/usr/bin/env bash
# Generates TypeScript parsers from Memgraph's ANTLR grammars (test data, never committed) with antlr-ng,
# then compiles them to JavaScript under build/grammar/<name>/ (git-ignored), for the grammar-oracle test
# and the stand-in. The generated code is compiled on its own rather than by the project's tsc: the
# grammars may be absent, so nothing in the project imports the parser statically (it is loaded at run
# time and the users skip when it is missing), and 1.5 MB of generated parser would slow every build.
#
# Where the grammars are: $MGBACKUP_GRAMMAR, else $MGBACKUP_FIXTURES/memgraph-grammar (what
# scripts/fetch-fixtures.sh writes), else ../shared/memgraph-grammar beside the checkout. Each
# subfolder holding MemgraphCypher.g4 is one grammar (v3.12.0, df0f636).
#
# Regeneration is skipped when the hash of the inputs (the .g4 files, this script, the antlr-ng and
# antlr4ng versions) matches the one recorded beside the last output.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out_root="$repo/build/grammar"

root=""
for c in "${MGBACKUP_GRAMMAR:-}" "${MGBACKUP_FIXTURES:+$MGBACKUP_FIXTURES/memgraph-grammar}" \
         "$repo/../shared/memgraph-grammar"; do
  if [ -n "$c" ] && [ -d "$c" ]; then root="$(cd "$c" && pwd)"; break; fi
done
if [ -z "$root" ]; then
  echo "gen-grammar: Memgraph grammars not found (set MGBACKUP_GRAMMAR or run scripts/fetch-fixtures.sh); the grammar tests will skip" >&2
  exit 0
fi

tool_versions="$(node -p "['antlr-ng','antlr4ng'].map(p => p + '@' + require('$repo/node_modules/' + p + '/package.json').version).join(' ')")"
mkdir -p "$out_root"
for dir in "$root"/*/; do
  dir="${dir%/}"
  [ -f "$dir/MemgraphCypher.g4" ] || continue
  name="$(basename "$dir")"
  out="$out_root/$name"
  hash="$( { cat "$dir"/*.g4 "$0"; echo "$tool_versions"; } | sha256sum | cut -d' ' -f1)"
  if [ -f "$out/input.sha256" ] && [ "$(cat "$out/input.sha256")" = "$hash" ] && [ -f "$out/js/MemgraphCypher.js" ]; then
    continue
  fi
  start=$(date +%s%N)
  rm -rf "$out"
  mkdir -p "$out/ts"
  # Two warnings are expected (options in the imported grammar, a greedy wildcard block); errors stop here.
  (cd "$dir" && "$repo/node_modules/.bin/antlr-ng" -Dlanguage=TypeScript -o "$out/ts" \
     MemgraphCypherLexer.g4 MemgraphCypher.g4 2>&1 | grep -v '^warning(\(50\|65\))' >&2 || true)
  [ -f "$out/ts/MemgraphCypher.ts" ] || { echo "gen-grammar: antlr-ng produced no parser for $dir" >&2; exit 1; }
  "$repo/node_modules/.bin/tsc" --ignoreConfig --outDir "$out/js" --rootDir "$out/ts" --module NodeNext \
    --moduleResolution NodeNext --target ES2023 --skipLibCheck --types node "$out"/ts/*.ts
  echo '{"type":"module"}' > "$out/js/package.json"
  echo "$hash" > "$out/input.sha256"
  echo "gen-grammar: $name generated in $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
done

#!/usr/bin/env bash
# The main job on a fresh clone: install what is missing, build, and run the end-to-end demonstration
# (create, list and verify a backup of a seeded server).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
bash scripts/ensure-tools.sh
npm run --silent demo

#!/usr/bin/env bash
# docker compose for docker/compose.yaml with the pinned Memgraph image from docker/memgraph.image.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
MEMGRAPH_IMAGE="$(tr -d '[:space:]' < "$here/docker/memgraph.image")" exec docker compose -f "$here/docker/compose.yaml" "$@"

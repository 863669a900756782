#!/usr/bin/env bash
# Installs the system tools tests rely on when they are missing: zstd (compressed archives and dumps)
# and python3 (a test helper takes a real fcntl lock, as Memgraph does). Debian packages only.
set -euo pipefail
missing=()
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing tools: ${missing[*]} (install them with your package manager)" >&2
  exit 1
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2

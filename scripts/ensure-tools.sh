#!/usr/bin/env bash
# Installs the system tools tests rely on when they are missing. Debian packages only. mgbackup itself
# needs neither: zstd is only the tests' independent oracle (the real zstd program must read what
# mgbackup's in-process zstd wrote, and the other way round), and python3 takes a real fcntl lock in a
# test helper, as Memgraph does. age (the reference CLI) is the independent oracle for mgbackup's
# encryption: it must decrypt what mgbackup encrypted, and the other way round.
set -euo pipefail
missing=()
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v age >/dev/null 2>&1 || missing+=(age)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing tools: ${missing[*]} (install them with your package manager)" >&2
  exit 1
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2

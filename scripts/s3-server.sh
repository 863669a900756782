#!/usr/bin/env bash
# A real S3-compatible server for tests and benchmarks: OpenStack Swift "all in one" (Debian 12's
# packages) with its s3api and tempauth middlewares, on loopback, everything under one folder.
#
#   scripts/s3-server.sh start DIR   install if missing, configure under DIR, start, wait until ready,
#                                    then print AWS_ENDPOINT_URL=… AWS_ACCESS_KEY_ID=… lines (for eval)
#   scripts/s3-server.sh stop DIR    end the processes that start put under DIR (and only those)
#   scripts/s3-server.sh env DIR     print the lines again (fails when the server is not running)
#
# start is idempotent: a running, healthy server under DIR is reused. Ports are picked free at first
# configuration and kept in DIR/ports. What was measured on this machine, and why each setting is
# there: ../shared/research/s3-server.md. Messages go to stderr; stdout carries only the env lines.
set -euo pipefail

PY=/usr/bin/python3 # pyenv's python3, first on PATH on these machines, cannot import swift
PACKAGES=(swift-proxy swift-account swift-container swift-object memcached)
SERVERS=(account container object proxy)
ACCESS_KEY='test:tester'
SECRET_KEY='testing'
REGION='us-east-1'
READY_TIMEOUT=${S3_SERVER_READY_TIMEOUT:-90}

say() { echo "s3-server: $*" >&2; }
die() { say "$*"; exit 1; }

usage() { die "usage: $0 start|stop|env DIR"; }
[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
ETC=$DIR/etc
RUN=$DIR/run
LOG=$DIR/log

installed() {
  [ -x "$PY" ] && "$PY" -c 'import swift.common.wsgi, swift.proxy.server, swift.common.middleware.s3api' 2>/dev/null &&
    command -v memcached >/dev/null 2>&1 && [ -x /usr/bin/swift-ring-builder ]
}

install_packages() {
  installed && return 0
  say "installing ${PACKAGES[*]} (Debian packages, about 30 s)"
  [ "$(id -u)" = 0 ] || die "swift is not installed and installing it needs root: apt-get install ${PACKAGES[*]}"
  # No init system here: a policy-rc.d that refuses keeps postinst from starting the services.
  local made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  local rc=0
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >"$DIR/apt.log" 2>&1; then
    apt-get update -q >>"$DIR/apt.log" 2>&1 || true
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >>"$DIR/apt.log" 2>&1 || rc=$?
  fi
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ "$rc" = 0 ] || die "apt-get install failed (exit $rc); see $DIR/apt.log"
  installed || die "swift still cannot be imported by $PY after installing; see $DIR/apt.log"
}

# Picks N free loopback ports (the kernel's choice, released just before the servers bind them).
free_ports() {
  "$PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); socks.append(s)
print(' '.join(str(s.getsockname()[1]) for s in socks))
EOF
}

configure() {
  [ -f "$DIR/ports" ] && [ -f "$ETC/object.ring.gz" ] && return 0
  mkdir -p "$ETC" "$RUN" "$LOG" "$DIR/srv/node/d1" "$DIR/cache"
  # Object data lives in user.* extended attributes: refuse a filesystem without them up front.
  "$PY" -c 'import os, sys; p = sys.argv[1]; os.setxattr(p, "user.mgbackup-probe", b"1"); os.removexattr(p, "user.mgbackup-probe")' \
    "$DIR/srv/node/d1" 2>/dev/null || die "the filesystem of $DIR has no user.* xattrs, which swift needs; use a folder on ext4 or tmpfs"
  read -r P_ACCOUNT P_CONTAINER P_OBJECT P_PROXY P_MEMCACHED <<<"$(free_ports 5)"
  cat >"$ETC/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = mgbackup-test-$(basename "$DIR")
swift_hash_path_prefix = mgbackup

[storage-policy:0]
name = gold
default = yes
EOF
  local common
  common="[DEFAULT]
bind_ip = 127.0.0.1
workers = 0
user = $(id -un)
swift_dir = $ETC
devices = $DIR/srv/node
mount_check = false
disable_fallocate = true
log_level = WARNING
"
  for s in account container object; do
    local port_var="P_${s^^}"
    cat >"$ETC/$s-server.conf" <<EOF
$common
bind_port = ${!port_var}

[pipeline:main]
pipeline = healthcheck recon $s-server

[app:$s-server]
use = egg:swift#$s
$([ $s = object ] && printf '%s\n' "conn_timeout = 5" "container_update_timeout = 60")

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = $DIR/cache
EOF
  done
  cat >"$ETC/proxy-server.conf" <<EOF
$common
bind_port = $P_PROXY

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
# Swift's defaults (0.5 s to connect, 1 s for the object server's container update) are for dedicated
# hardware; on a loaded 2-core machine a missed container update would hide an object from listings
# (no updater runs here), and listings must show every object whose PUT returned.
conn_timeout = 5
node_timeout = 60

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$P_MEMCACHED

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = $REGION

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SECRET_KEY .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF
  # One replica, one device, part power 8; built in one process (swift-ring-builder costs ~1 s a call).
  "$PY" - "$ETC" "$P_ACCOUNT" "$P_CONTAINER" "$P_OBJECT" <<'EOF'
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for name, port in zip(('account', 'container', 'object'), sys.argv[2:5]):
    b = RingBuilder(8, 1, 1)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port),
               'replication_ip': '127.0.0.1', 'replication_port': int(port), 'device': 'd1', 'weight': 100})
    b.rebalance()
    b.save(f'{etc}/{name}.builder')
    b.get_ring().save(f'{etc}/{name}.ring.gz')
EOF
  # Swift reads /etc/swift/swift.conf by a fixed path: the launcher points it at DIR/etc first.
  cat >"$ETC/launch.py" <<'EOF'
import sys
from swift.common import utils
utils.set_swift_dir(sys.argv[1])
from swift.common.storage_policy import reload_storage_policies
reload_storage_policies()
from swift.common import constraints
constraints.reload_constraints()
from swift.common.wsgi import run_wsgi
sys.exit(run_wsgi(sys.argv[2], sys.argv[3], verbose=True))
EOF
  echo "$P_ACCOUNT $P_CONTAINER $P_OBJECT $P_PROXY $P_MEMCACHED" >"$DIR/ports.tmp"
  mv "$DIR/ports.tmp" "$DIR/ports"
}

load_ports() {
  [ -f "$DIR/ports" ] || return 1
  read -r P_ACCOUNT P_CONTAINER P_OBJECT P_PROXY P_MEMCACHED <"$DIR/ports"
}

# A pid file counts only while its process still runs the command line that start gave it (it names
# DIR or the memcached port), so a recycled pid is never signalled.
our_pid() {
  local f=$RUN/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}

marker() { if [ "$1" = memcached ]; then echo "-p $P_MEMCACHED"; else echo "$ETC/$1-server.conf"; fi; }

env_lines() {
  echo "AWS_ENDPOINT_URL=http://127.0.0.1:$P_PROXY"
  echo "AWS_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "AWS_REGION=$REGION"
}

# Ready: every server answers /healthcheck and tempauth hands out a token that the account accepts.
ready() {
  "$PY" - "$P_ACCOUNT" "$P_CONTAINER" "$P_OBJECT" "$P_PROXY" "$ACCESS_KEY" "$SECRET_KEY" <<'EOF' 2>/dev/null
import sys, urllib.request
ports, user, key = sys.argv[1:5], sys.argv[5], sys.argv[6]
for p in ports:
    urllib.request.urlopen(f'http://127.0.0.1:{p}/healthcheck', timeout=10).read()
r = urllib.request.urlopen(urllib.request.Request(f'http://127.0.0.1:{ports[3]}/auth/v1.0',
    headers={'X-Auth-User': user, 'X-Auth-Key': key}), timeout=10)
token, url = r.headers['X-Auth-Token'], r.headers['X-Storage-Url']
urllib.request.urlopen(urllib.request.Request(url, method='HEAD', headers={'X-Auth-Token': token}), timeout=10)
EOF
}

all_running() {
  local s
  for s in memcached "${SERVERS[@]}"; do our_pid "$s" "$(marker "$s")" >/dev/null || return 1; done
}

stop_all() {
  load_ports || return 0
  local s pid pids=()
  for s in proxy object container account memcached; do
    if pid=$(our_pid "$s" "$(marker "$s")"); then kill "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  # Wait for them to go (memcached can take a moment), so a restart finds its ports free.
  local i
  for i in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  rm -f "$RUN"/*.pid
}

start() {
  install_packages
  configure
  load_ports
  # Running: wait for it to answer rather than restart it. On a loaded machine a health check can take
  # seconds, and a restart then cut every test that was using the server (ECONNREFUSED mid-run).
  if all_running; then
    local wait_until=$((SECONDS + READY_TIMEOUT))
    until ready; do
      all_running || break
      [ $SECONDS -lt $wait_until ] || break
      sleep 0.5
    done
    if all_running && ready; then env_lines; return 0; fi
  fi
  stop_all # a partial set (one crashed), or one that never answered: start afresh on the same ports
  local s
  # The servers must not inherit the lock's descriptor (9>&-), or they would hold it as long as they run.
  setsid memcached -u "$(id -un)" -l 127.0.0.1 -p "$P_MEMCACHED" -U 0 -m 64 >"$LOG/memcached.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/memcached.pid"
  for s in "${SERVERS[@]}"; do
    setsid "$PY" "$ETC/launch.py" "$ETC" "$ETC/$s-server.conf" "$s-server" >"$LOG/$s.log" 2>&1 </dev/null 9>&- &
    echo $! >"$RUN/$s.pid"
  done
  local deadline=$((SECONDS + READY_TIMEOUT))
  until ready; do
    for s in memcached "${SERVERS[@]}"; do
      our_pid "$s" "$(marker "$s")" >/dev/null || { tail -n 20 "$LOG/$s.log" >&2 || true; stop_all; die "$s exited during start; log above ($LOG/$s.log)"; }
    done
    [ $SECONDS -lt $deadline ] || { stop_all; die "not ready after ${READY_TIMEOUT}s; logs in $LOG"; }
    sleep 0.3
  done
  say "ready at http://127.0.0.1:$P_PROXY (data in $DIR)"
  env_lines
}

# One start or stop at a time per DIR: test files running in parallel may all ask for the server.
exec 9>"$DIR/.lock"
flock -w 300 9 || die "another start or stop holds $DIR/.lock for 300 s"

case $cmd in
  start) start ;;
  stop) stop_all ;;
  env) load_ports && all_running && ready || die "no running server under $DIR"; env_lines ;;
  *) usage ;;
esac

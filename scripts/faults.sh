#!/bin/sh
# Runs the fault groups: real signals (SIGINT, SIGTERM, SIGHUP, SIGKILL) to the built CLI at each step
# of create, TCP connections cut by a loopback proxy during each query (LOCK included), the stand-in
# SIGKILLed at each step, plus the lock/lease regressions of issue 9. mgbackup and the stand-in run as
# separate processes. Usage: scripts/faults.sh [extra ava arguments]
set -eu
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
exec npx ava test/faults/*.test.ts test/create/locks-cli.test.ts "$@"

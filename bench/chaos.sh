#!/usr/bin/env bash
# The chaos command (issue 9): packages the service if needed, then runs dev.switchboard.chaos.ChaosRun from the test
# tree: three packaged replicas (jobs on) on one embedded PostgreSQL and the E2B fake in its own JVM; 24 users switch,
# init, heartbeat and clean up at random against random replicas while 20 % of creates and kills fail for 10 s, an
# orphan is planted and one replica is killed with kill -9 and restarted. It then checks the invariants and exits
# non-zero on any violation. Options are ChaosRun's (--help lists them): --seconds, --users, --replicas, --seed,
# --no-kill, --fault-rate, ...
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

package_if_stale target/quarkus-app/quarkus-run.jar fast-jar
run_bench dev.switchboard.chaos.ChaosRun "$@"

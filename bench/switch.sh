#!/usr/bin/env bash
# The switch benchmark (issue 8): packages the service if needed, then runs dev.switchboard.bench.SwitchBench from
# the test tree against the packaged jar. Options are SwitchBench's (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

package_if_stale target/quarkus-app/quarkus-run.jar fast-jar
run_bench dev.switchboard.bench.SwitchBench "$@"

#!/usr/bin/env bash
# Times `sandboxes --list` (issue 8) for packaged jars side by side: packages this tree if needed, then runs
# dev.switchboard.bench.CliListBench from the test tree (options: --jar LABEL=PATH repeatable, --java, --runs, --users).
# To compare with an older build, package it elsewhere first, e.g.
#   git worktree add /tmp/cli-base <commit> && (cd /tmp/cli-base && ./mvnw -o -B package -DskipTests)
#   bench/cli-list.sh --jar old=/tmp/cli-base/target/quarkus-app/quarkus-run.jar --jar new=target/quarkus-app/quarkus-run.jar
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

package_if_stale target/quarkus-app/quarkus-run.jar fast-jar
run_bench dev.switchboard.bench.CliListBench "$@"

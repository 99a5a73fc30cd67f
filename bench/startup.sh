#!/usr/bin/env bash
# The start-up benchmark (issue 8): packages the service if needed, twice (the default fast-jar in target/quarkus-app
# and the -Pjvm-image uber-jar in target/jvm-image that docker/Dockerfile.jvm runs), then runs
# dev.switchboard.bench.StartupBench from the test tree: start-up to ready for JDK 17, JDK 17 + AppCDS, JDK 25 and
# JDK 25 + AOT cache, side by side. Options are StartupBench's (--help lists them). Needs no Docker and no database:
# it starts an embedded PostgreSQL. The JDK 25 variants need a JDK 25 (--jdk25 or JAVA25_HOME).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

package_if_stale target/quarkus-app/quarkus-run.jar fast-jar
package_if_stale target/jvm-image/switchboard-runner.jar -Pjvm-image -Pjvm-image
run_bench dev.switchboard.bench.StartupBench "$@"

#!/usr/bin/env bash
# The start-up benchmark (issue 8): packages the service if needed, twice (the default fast-jar in target/quarkus-app
# and the -Pjvm-image uber-jar in target/jvm-image that docker/Dockerfile.jvm runs), then runs
# dev.switchboard.bench.StartupBench from the test tree: start-up to ready for JDK 17, JDK 17 + AppCDS, JDK 25 and
# JDK 25 + AOT cache, side by side. Options are StartupBench's (--help lists them). Needs no Docker and no database:
# it starts an embedded PostgreSQL. The JDK 25 variants need a JDK 25 (--jdk25 or JAVA25_HOME).
set -euo pipefail
cd "$(dirname "$0")/.."

CP_FILE=target/bench-classpath.txt

# Packages when the jar is missing or any service source or the pom is newer than it.
stale() {
  [[ ! -f $1 ]] || [[ -n $(find src/main pom.xml -newer "$1" -type f -print -quit) ]]
}
if stale target/quarkus-app/quarkus-run.jar; then
  echo "[startup] packaging the service (fast-jar)"
  ./mvnw -B -q package -DskipTests
fi
if stale target/jvm-image/switchboard-runner.jar; then
  echo "[startup] packaging the service (-Pjvm-image)"
  ./mvnw -B -q package -DskipTests -Pjvm-image
fi

./mvnw -B -q test-compile

if [[ ! -s $CP_FILE ]] || [[ pom.xml -nt $CP_FILE ]]; then
  ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
fi

exec java -cp "target/test-classes:target/classes:$(cat "$CP_FILE")" dev.switchboard.bench.StartupBench "$@"

#!/usr/bin/env bash
# The switch benchmark (issue 8): packages the service if needed, then runs dev.switchboard.bench.SwitchBench from
# the test tree against the packaged jar. Options are SwitchBench's (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=target/quarkus-app/quarkus-run.jar
CP_FILE=target/bench-classpath.txt

# Package when the jar is missing or any service source or the pom is newer than it.
if [[ ! -f $JAR ]] || [[ -n $(find src/main pom.xml -newer "$JAR" -type f -print -quit) ]]; then
  echo "[bench] packaging the service"
  ./mvnw -B -q package -DskipTests
fi

./mvnw -B -q test-compile

if [[ ! -s $CP_FILE ]] || [[ pom.xml -nt $CP_FILE ]]; then
  ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
fi

exec java -cp "target/test-classes:target/classes:$(cat "$CP_FILE")" dev.switchboard.bench.SwitchBench "$@"

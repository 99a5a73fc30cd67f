#!/usr/bin/env bash
# Times `sandboxes --list` (issue 8) for packaged jars side by side: packages this tree if needed, then runs
# dev.switchboard.bench.CliListBench from the test tree (options: --jar LABEL=PATH repeatable, --java, --runs, --users).
# To compare with an older build, package it elsewhere first, e.g.
#   git worktree add /tmp/cli-base <commit> && (cd /tmp/cli-base && ./mvnw -o -B package -DskipTests)
#   bench/cli-list.sh --jar old=/tmp/cli-base/target/quarkus-app/quarkus-run.jar --jar new=target/quarkus-app/quarkus-run.jar
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=target/quarkus-app/quarkus-run.jar
CP_FILE=target/bench-classpath.txt

if [[ ! -f $JAR ]] || [[ -n $(find src/main pom.xml -newer "$JAR" -type f -print -quit) ]]; then
  echo "[bench] packaging the service"
  ./mvnw -B -q package -DskipTests
fi

./mvnw -B -q test-compile

if [[ ! -s $CP_FILE ]] || [[ pom.xml -nt $CP_FILE ]]; then
  ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
fi

exec java -cp "target/test-classes:target/classes:$(cat "$CP_FILE")" dev.switchboard.bench.CliListBench "$@"

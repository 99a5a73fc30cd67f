#!/usr/bin/env bash
# The training run behind the JVM image's start-up archive (docker/Dockerfile.jvm runs it at image build time;
# bench/startup.sh runs it too, to measure what the image gets). It starts the service with no database: Flyway is
# off and the database is a closed port, so the service starts without one
# and is live, not ready. It then sends a few requests, stops the service (SIGTERM), and checks that the JVM wrote
# the archive as it exited.
#
# Usage: jvm-training.sh ARCHIVE COMMAND...
#   COMMAND starts the service; its JVM options must write ARCHIVE, e.g.
#     JAVA_OPTS_APPEND="-XX:AOTCacheOutput=app.aot" jvm-training.sh app.aot /opt/jboss/container/java/run/run-java.sh
#     jvm-training.sh app.jsa java -XX:ArchiveClassesAtExit=app.jsa -jar switchboard-runner.jar    (JDK 17 AppCDS)
# The archive is valid only for the same JDK build and the same class path as the training run.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
archive=$1
shift
port=${TRAINING_PORT:-8080}
log=${TRAINING_LOG:-}
own_log=false
if [[ -z $log ]]; then
  log=$(mktemp)
  own_log=true
fi
sandboxes=$(mktemp -d)

# Configuration through the environment, so it reaches the service whatever COMMAND is. Nothing listens on port 1.
export QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1
export DB_HOST=127.0.0.1 DB_PORT=1 DB_PASSWORD=training
export QUARKUS_FLYWAY_MIGRATE_AT_START=false
# Production refuses to start without a verification key, an issuer and an audience; no token is verified here.
export MP_JWT_VERIFY_PUBLICKEY=training MP_JWT_VERIFY_ISSUER=training MP_JWT_VERIFY_AUDIENCES=training
export SWITCHBOARD_LOCAL_DATA_DIR=$sandboxes

rm -f "$archive"
"$@" >"$log" 2>&1 &
pid=$!

# One HTTP/1.0 request with bash's /dev/tcp (no curl in minimal images); succeeds once the service answers.
request() {
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  cat <&3 >/dev/null
  exec 3<&-
}

deadline=$((SECONDS + ${TRAINING_TIMEOUT:-300}))
until request /q/health/live 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
    echo "jvm-training: the service did not start; its log:" >&2
    tail -n 40 "$log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done
# The paths a real start goes through next: readiness (503 here), a refused API call, metrics, the API document.
for path in /q/health/ready /q/health/live /api/projects /q/metrics /q/openapi /q/health/ready; do
  request "$path" || true
done

kill -TERM "$pid"
wait "$pid" || true
rm -rf "$sandboxes"
if [[ ! -s $archive ]]; then
  echo "jvm-training: no archive at $archive; the service's log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
if $own_log; then
  rm -f "$log"
fi
echo "jvm-training: wrote $archive ($(($(stat -c %s "$archive") / 1048576)) MiB)"

# Shared by the bench/*.sh commands (sourced, not run): package the service when stale, then run a bench class
# from the test tree on the test class path. Expects the repository root as the working directory.

CP_FILE=target/bench-classpath.txt

# Packages with the given extra Maven arguments when JAR is missing or any service source or the pom is newer.
package_if_stale() {
  local jar=$1 label=$2
  shift 2
  if [[ ! -f $jar ]] || [[ -n $(find src/main pom.xml -newer "$jar" -type f -print -quit) ]]; then
    echo "[bench] packaging the service ($label)"
    ./mvnw -B -q package -DskipTests "$@"
  fi
}

# Compiles the test tree, resolves its class path once per pom change, and replaces this shell with the bench.
run_bench() {
  local main=$1
  shift
  ./mvnw -B -q test-compile
  if [[ ! -s $CP_FILE ]] || [[ pom.xml -nt $CP_FILE ]]; then
    ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
  fi
  exec java -cp "target/test-classes:target/classes:$(cat "$CP_FILE")" "$main" "$@"
}

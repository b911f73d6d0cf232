#!/usr/bin/env bash
# Benchmarks. Usage:
#   scripts/bench.sh kernels [regex]    JMH kernel benchmarks (java + tornado, or --backend java|tornado) and PyTorch CPU on the same
#                                       shapes; writes benchmarks/results/kernels-<date>.json (+ .md table)
#   scripts/bench.sh generator [args]   end-to-end generator timings (GeneratorBench)
# The machine may be shared: figures move with the load (the results record the load average).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
ensure_tornadovm || echo "warning: no TornadoVM: the tornado backend cannot be measured" >&2
what="${1:-}"
[ $# -gt 0 ] && shift
case "$what" in
  kernels)
    args=(kernels)
    if [ $# -gt 0 ] && [[ "$1" != --* ]]; then args+=(--include "$1"); shift; fi
    args+=("$@") ;;
  generator) args=(generator "$@") ;;
  *) echo "usage: scripts/bench.sh kernels [regex] [--quick] [--no-pytorch] [--backend java|tornado] | generator [options]" >&2; exit 2 ;;
esac
mvn -q -ntp -DskipTests package -pl benchmarks -am
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -Xmx4g -jar benchmarks/target/benchmarks.jar "${args[@]}"

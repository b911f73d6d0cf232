#!/usr/bin/env bash
# The demo, end to end on the CPU: scripts/demo.sh [--minutes 8] [--out out] [--device java] [--seed 1] [--retrain] [--toy]
# Builds the project, generates the panorama dataset, trains the tokenizer and the generator within
# the time budget (kept in the output folder: a second run skips training), samples grids and
# ultra-long panoramas and writes <out>/report.html.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
. "$here/scripts/env.sh"
ensure_pocl
ensure_tornadovm >/dev/null || echo "warning: no TornadoVM: --device tornado is unavailable" >&2
cd "$here"
echo "building (mvn -DskipTests install) ..." >&2
start=$(date +%s)
mvn -B -q -ntp -DskipTests install 2>&1 | grep -v '^WARNING' >&2 || true
[ -f runtime/target/eim.jar ] || { echo "error: build failed, see the mvn output above" >&2; exit 1; }
echo "built in $(( $(date +%s) - start )) s" >&2
# heap: EIM_JAVA_OPTS, else scripts/env.sh's EIM_DEFAULT_HEAP (75% of the machine's memory)
"$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -Xss8m ${EIM_JAVA_OPTS:-$EIM_DEFAULT_HEAP} -jar runtime/target/eim.jar demo "$@"
out=out
while [ $# -gt 0 ]; do
  case "$1" in --out) out="$2"; shift ;; --out=*) out="${1#--out=}" ;; esac
  shift
done
echo "demo finished in $(( $(date +%s) - start )) s (build included)" >&2
echo "report: $(cd "$out" && pwd)/report.html"

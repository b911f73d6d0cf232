#!/usr/bin/env bash
# The prepared GPU check: on a machine with an NVIDIA or AMD GPU and its driver (OpenCL, or
# TornadoVM's PTX backend), runs every parity and golden test with the tornado backend on the GPU,
# then the kernel and generator benchmarks there, with PyTorch on the same GPU where it has CUDA.
# Results go to benchmarks/results/ (kernels-<date>-gpu.json/.md, generator-<date>-tornado-N.json,
# gpu-check-<date>.log).
#
# Usage: scripts/gpu-check.sh [--device tornado:N] [--quick] [--no-tests] [--no-bench]
# Needs: Java 25 (Temurin), Maven, the TornadoVM SDK 5.2.0-jdk25 with a GPU backend
# (TORNADOVM_HOME), the GPU's driver; PyTorch with CUDA optional (else its figures are on the CPU).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. scripts/env.sh
device=""; quick=""; tests=1; bench=1
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift ;;
    --quick) quick="--quick" ;;
    --no-tests) tests=0 ;;
    --no-bench) bench=0 ;;
    *) echo "error: unknown option $1 (usage: scripts/gpu-check.sh [--device tornado:N] [--quick] [--no-tests] [--no-bench])" >&2; exit 2 ;;
  esac
  shift
done
ensure_tornadovm || exit 1
mkdir -p benchmarks/results
log="benchmarks/results/gpu-check-$(date +%F).log"
: > "$log"
say() { echo "$*" | tee -a "$log" >&2; }

mvn -B -q -ntp -DskipTests install 2>&1 | grep -v '^WARNING' || true
[ -f runtime/target/eim.jar ] || { echo "error: build failed, see the mvn output above" >&2; exit 1; }
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -jar runtime/target/eim.jar devices | tee -a "$log"

if [ -z "$device" ]; then
  # the first TornadoVM device whose type is GPU
  # shellcheck disable=SC2086
  device="$("$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -jar runtime/target/eim.jar devices \
    | awk '$1 ~ /^tornado:/ && / GPU / {print $1; exit}')"
  [ -n "$device" ] || { say "error: TornadoVM lists no GPU (see 'eim devices' above); pass --device tornado:N to use another"; exit 1; }
fi
say "GPU check on $device ($(date -Is))"

torch_device=cpu
if /usr/bin/env python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  torch_device=cuda
fi
say "PyTorch peers on: $torch_device"

status=0
if [ "$tests" = 1 ]; then
  say "== parity and golden tests, tornado backend on $device"
  set +e
  mvn -B -ntp install -Deim.test.tornadoDevice="$device" 2>&1 | grep -E 'Tests run:|FAIL|ERROR' | tee -a "$log"
  status=${PIPESTATUS[0]}
  set -e
  say "tests exit status: $status"
fi

if [ "$bench" = 1 ]; then
  say "== kernel benchmarks (java on the CPU, tornado on $device, PyTorch on $torch_device)"
  # shellcheck disable=SC2086
  EIM_TORCH_DEVICE=$torch_device "$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -Xmx8g \
    -Deim.bench.tornadoDevice="$device" -jar benchmarks/target/benchmarks.jar kernels $quick \
    --out "benchmarks/results/kernels-$(date +%F)-gpu.json" 2>&1 | tee -a "$log"
  say "== generator benchmarks on $device"
  EIM_TORCH_DEVICE=$torch_device scripts/bench_generator.sh --device "$device" $quick 2>&1 | tee -a "$log"
fi
say "log: $log"
exit "$status"

#!/usr/bin/env bash
# Generator end-to-end benchmark, ours vs the authors' architecture in PyTorch CPU, in one run on
# this machine: training step (tiny, small), sampling 4x16 tokens, time per token at 16..1024 tokens.
# Writes benchmarks/results/generator-<date>.json in the project's results format.
# Usage: scripts/bench_generator.sh [--quick] [--device java|tornado] [--presets tiny,small]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
ensure_tornadovm || echo "warning: no TornadoVM: the tornado backend cannot be measured" >&2
quick=""; device="java"; presets="tiny,small"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick="--quick";;
    --device) device="$2"; shift;;
    --presets) presets="$2"; shift;;
    *) echo "error: unknown option $1 (usage: scripts/bench_generator.sh [--quick] [--device java|tornado] [--presets tiny,small])" >&2; exit 2;;
  esac
  shift
done
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp
fi
mvn -B -q -ntp -DskipTests install -pl benchmarks -am 2>&1 | grep -v '^WARNING' || true
tmp=$(mktemp -d)
echo "== ours ($device)" >&2
"$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -Xmx8g -cp benchmarks/target/benchmarks.jar eim.bench.GeneratorBench \
  --device "$device" --presets "$presets" $quick --out "$tmp/ours.json"
echo "== PyTorch" >&2
# PyTorch's OpenMP threads spin while waiting (its fastest setting on a quiet machine); on a loaded
# machine export OMP_WAIT_POLICY=PASSIVE before running, or PyTorch is penalised by descheduled spinners.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-ACTIVE}"
/usr/bin/python3 scripts/bench_generator.py $quick --shapes "$presets" --out "$tmp/torch.json"
mkdir -p benchmarks/results
out="benchmarks/results/generator-$(date +%F)-${device//:/-}.json"
/usr/bin/python3 - "$tmp/ours.json" "$tmp/torch.json" "$out" "$device" <<'PY'
import json, os, sys, datetime, platform
ours, torch_, out, device = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
def key(r):
    shape = r["shape"]
    if r["benchmark"] == "sample" and "-" not in shape:
        shape += "-16"
    return r["benchmark"], shape
peer = {key(r): r for r in torch_}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
blas = next((r.get("blas") for r in torch_ if r.get("blas")), "unknown")
load = open("/proc/loadavg").read().split()[0]
machine = (f"{cpu}, {os.cpu_count()} cores, PyTorch BLAS: {blas}, {torch_[0].get('threads', 2)} threads, "
           f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, load average {load} at the end")
recs = []
for r in ours:
    p = peer.get(key(r))
    recs.append({"benchmark": r["benchmark"], "shape": r["shape"], "backend": device, "unit": r["unit"],
                 "ours": r["value"], "pytorch": None if p is None else p["value"], "higher_is_better": False,
                 "date": datetime.date.today().isoformat(), "machine": machine})
json.dump(recs, open(out, "w"), indent=1)
print(f"wrote {out}")
print(f"{'benchmark':18} {'shape':10} {'unit':9} {'ours':>10} {'pytorch':>10} {'ours/pytorch':>13}")
for r in recs:
    ratio = "" if r["pytorch"] in (None, 0) else f"{r['ours'] / r['pytorch']:.2f}"
    pt = "null" if r["pytorch"] is None else f"{r['pytorch']:.1f}"
    print(f"{r['benchmark']:18} {r['shape']:10} {r['unit']:9} {r['ours']:10.1f} {pt:>10} {ratio:>13}")
PY

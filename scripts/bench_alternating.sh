#!/usr/bin/env bash
# Ours vs PyTorch, alternating: R rounds of [GeneratorBench (ours), bench_generator.py (the authors'
# code path + the KV-cache sampler)] on the tiny preset; medians and spreads over the rounds, with the
# machine's load before and after each side, into benchmarks/results/generator-alternating-<date>.json.
# Usage: scripts/bench_alternating.sh [rounds (default 5)] [--device java|tornado]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
rounds="${1:-5}"; device="java"
if [ "${2:-}" = "--device" ]; then device="$3"; fi
case "$rounds" in ''|*[!0-9]*) echo "error: rounds must be a positive integer, got '$rounds'" >&2; exit 2;; esac
[ "$device" = "java" ] || ensure_tornadovm || { echo "error: --device $device needs TornadoVM" >&2; exit 1; }
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp
fi
mvn -B -q -ntp -DskipTests install -pl benchmarks -am 2>&1 | grep -v '^WARNING' || true
tmp=$(mktemp -d)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
for r in $(seq 1 "$rounds"); do
  echo "== round $r/$rounds: ours ($device)" >&2
  cut -d' ' -f1 /proc/loadavg > "$tmp/load-ours-$r"
  "$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -Xmx8g -cp benchmarks/target/benchmarks.jar eim.bench.GeneratorBench \
    --device "$device" --presets tiny --only train_step,sample --out "$tmp/ours-$r.json" >&2
  echo "== round $r/$rounds: PyTorch" >&2
  cut -d' ' -f1 /proc/loadavg > "$tmp/load-torch-$r"
  /usr/bin/python3 scripts/bench_generator.py --only train_step,sample,sample_kv --shapes tiny --out "$tmp/torch-$r.json"
done
mkdir -p benchmarks/results
out="benchmarks/results/generator-alternating-$(date +%F)-${device//:/-}.json"
/usr/bin/python3 - "$tmp" "$rounds" "$out" "$device" <<'PY'
import json, os, statistics, sys, datetime
tmp, rounds, out, device = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
series = {}
loads = {"ours": [], "pytorch": []}
for r in range(1, rounds + 1):
    for side, f in (("ours", f"{tmp}/ours-{r}.json"), ("pytorch", f"{tmp}/torch-{r}.json")):
        loads[side].append(float(open(f"{tmp}/load-{'ours' if side == 'ours' else 'torch'}-{r}").read()))
        for rec in json.load(open(f)):
            name = rec["benchmark"] + ("" if side == "ours" else "_pytorch")
            series.setdefault(name, []).append(rec["value"])
def summary(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "spread": (max(v) - min(v)) / statistics.median(v), "all": v}
res = {k: summary(v) for k, v in series.items()}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
doc = {"date": datetime.date.today().isoformat(), "device": device, "rounds": rounds, "preset": "tiny",
       "machine": f"{cpu}, {os.cpu_count()} cores; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}",
       "load_average_1min": loads, "results_ms": res}
json.dump(doc, open(out, "w"), indent=1)
print(f"wrote {out}")
for k in sorted(res):
    s = res[k]
    print(f"{k:24s} median {s['median']:9.1f} ms  spread {100 * s['spread']:5.1f}%  {s['all']}")
for ours, theirs in (("train_step", "train_step_pytorch"), ("sample", "sample_pytorch"), ("sample", "sample_kv_pytorch")):
    if ours in res and theirs in res:
        print(f"{theirs} / {ours}: {res[theirs]['median'] / res[ours]['median']:.2f}x (above 1: ours faster)")
PY

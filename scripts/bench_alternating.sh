#!/usr/bin/env bash
# Ours vs PyTorch, alternating: R rounds of [GeneratorBench (ours), bench_generator.py (the authors'
# code path + the KV-cache sampler)]; medians and spreads over the rounds, with the machine's load
# before each side, into benchmarks/results/generator-alternating-<date>-<device>[-<name>].json.
# Usage: scripts/bench_alternating.sh [rounds (default 5)] [--device java|tornado] [--presets tiny,small,s]
#        [--batch 8] [--only train_step,sample] [--sample-presets tiny,small] [--timed-seconds 10] [--name NAME]
# (--timed-seconds: the shortest span of each measure's timed calls, both sides; this VM's speed moves in
# phases of seconds)
# (train steps of each preset at the batch; sampling is 4x16 tokens of each --sample-presets preset, tiny by
# default, against the three PyTorch samplers: full recompute, KV cache, KV cache with batched modulations)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
usage="usage: scripts/bench_alternating.sh [rounds] [--device java|tornado] [--presets tiny,small,s] [--batch N] [--only train_step,sample] [--sample-presets tiny,small] [--timed-seconds S] [--name NAME]"
rounds=5; device="java"; presets="tiny"; sample_presets="tiny"; batch=8; only="train_step,sample"; name=""; timed=10
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then rounds="$1"; shift; fi
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "error: $1 needs a value ($usage)" >&2; exit 2; }
  case "$1" in
    --device) device="$2";;
    --presets) presets="$2";;
    --sample-presets) sample_presets="$2";;
    --batch) batch="$2";;
    --only) only="$2";;
    --name) name="-$2";;
    --timed-seconds) timed="$2";;
    *) echo "error: unknown option $1 ($usage)" >&2; exit 2;;
  esac
  shift 2
done
case "$rounds" in ''|*[!0-9]*|0) echo "error: rounds must be a positive integer, got '$rounds'" >&2; exit 2;; esac
case "$batch" in ''|*[!0-9]*|0) echo "error: --batch must be a positive integer, got '$batch'" >&2; exit 2;; esac
case "$timed" in ''|*[!0-9]*) echo "error: --timed-seconds must be a whole number of seconds >= 0, got '$timed'" >&2; exit 2;; esac
torch_only="$only"
case ",$only," in *,sample,*) torch_only="$only,sample_kv,sample_kv_batched";; esac
[ "$device" = "java" ] || ensure_tornadovm || { echo "error: --device $device needs TornadoVM" >&2; exit 1; }
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp
fi
mvn -B -q -ntp -DskipTests install -pl benchmarks -am 2>&1 | grep -v '^WARNING' || true
tmp=$(mktemp -d)
# PyTorch with spinning OpenMP threads (its fastest setting on an idle machine), as our worker team
# spins for 200 µs after each launch; export OMP_WAIT_POLICY=PASSIVE on a loaded machine
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-ACTIVE}"
for r in $(seq 1 "$rounds"); do
  echo "== round $r/$rounds: ours ($device)" >&2
  cut -d' ' -f1 /proc/loadavg > "$tmp/load-ours-$r"
  # one JVM per preset: a preset's peak RSS is then its own (the JVM keeps the heap an earlier preset grew)
  i=0
  for preset in ${presets//,/ }; do
    i=$((i + 1))
    what="$only"
    if [ "$i" -gt 1 ]; then # sampling once per round
      case ",$only," in *,train_step,*) what="train_step";; *) continue;; esac
    fi
    "$JAVA_HOME/bin/java" $EIM_TORNADO_FLAGS $EIM_JVM_FLAGS -Xmx8g -Deim.bench.timedSeconds="$timed" -cp benchmarks/target/benchmarks.jar eim.bench.GeneratorBench \
      --device "$device" --presets "$preset" --sample-presets "$sample_presets" --batch "$batch" --only "$what" --out "$tmp/ours-$r-$i.json" >&2
  done
  /usr/bin/python3 -c 'import json, sys; json.dump([x for f in sys.argv[2:] for x in json.load(open(f))], open(sys.argv[1], "w"))' \
    "$tmp/ours-$r.json" "$tmp"/ours-"$r"-*.json
  echo "== round $r/$rounds: PyTorch" >&2
  cut -d' ' -f1 /proc/loadavg > "$tmp/load-torch-$r"
  /usr/bin/python3 scripts/bench_generator.py --only "$torch_only" --shapes "$presets" --sample-shapes "$sample_presets" \
    --batch "$batch" --min-seconds "$timed" --out "$tmp/torch-$r.json"
done
mkdir -p benchmarks/results
stem="benchmarks/results/generator-alternating-$(date +%F)-${device//:/-}$name"
out="$stem.json"; n=1
while [ -e "$out" ]; do n=$((n + 1)); out="$stem-$n.json"; done # an earlier run's file is never overwritten
/usr/bin/python3 - "$tmp" "$rounds" "$out" "$device" "$presets" "$batch" "$timed" "$sample_presets" <<'PY'
import json, os, statistics, sys, datetime
tmp, rounds, out, device, presets, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
timed, sample_presets = int(sys.argv[7]), sys.argv[8]
series = {}
memory = {}
loads = {"ours": [], "pytorch": []}
for r in range(1, rounds + 1):
    for side, f in (("ours", f"{tmp}/ours-{r}.json"), ("pytorch", f"{tmp}/torch-{r}.json")):
        loads[side].append(float(open(f"{tmp}/load-{'ours' if side == 'ours' else 'torch'}-{r}").read()))
        for rec in json.load(open(f)):
            if rec["benchmark"].endswith("_first_call"):
                continue
            if rec.get("unit") == "MB":  # peak resident memory, reported apart from the times
                memory.setdefault(rec["benchmark"] + " " + rec["shape"] + ("" if side == "ours" else " pytorch"), []).append(rec["value"])
                continue
            # ours names a sampling shape preset-16 (its tokens), PyTorch by the preset alone
            shape = rec["shape"] if rec["benchmark"] == "train_step" else rec["shape"].split("-")[0]
            name = rec["benchmark"] + " " + shape + ("" if side == "ours" else " pytorch")
            series.setdefault(name, []).append(rec["value"])
def summary(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "spread": (max(v) - min(v)) / statistics.median(v), "all": v}
res = {k: summary(v) for k, v in series.items()}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
doc = {"date": datetime.date.today().isoformat(), "device": device, "rounds": rounds, "presets": presets,
       "train_batch": batch, "sample": f"{sample_presets}, 4 images x 16 tokens, 25 flow steps, cfg 3",
       "timed_seconds": timed,
       "machine": f"{cpu}, {os.cpu_count()} cores; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}",
       "load_average_1min": loads, "results_ms": res,
       "peak_rss_mb": {k: {"median": statistics.median(v), "all": v} for k, v in memory.items()}}
json.dump(doc, open(out, "w"), indent=1)
print(f"wrote {out}")
for k in sorted(res):
    s = res[k]
    print(f"{k:24s} median {s['median']:9.1f} ms  spread {100 * s['spread']:5.1f}%  {s['all']}")
for k in sorted(memory):
    print(f"{k:24s} peak RSS median {statistics.median(memory[k]):9.0f} MB")
ratios = {}
for k in sorted(res):
    if k.endswith(" pytorch"):
        ours = k[:-len(" pytorch")].replace("sample_kv_batched", "sample").replace("sample_kv", "sample")
        if ours in res:
            ratios[k[:-len(" pytorch")]] = res[k]["median"] / res[ours]["median"]
            print(f"{k} / {ours}: {ratios[k[:-len(' pytorch')]]:.2f}x (above 1: ours faster)")
doc["pytorch_over_ours"] = ratios
json.dump(doc, open(out, "w"), indent=1)
PY

#!/usr/bin/env bash
# The paper's claims at small scale (issue 12), one command per experiment:
#   scripts/experiments/run.sh zero-shot  experiment 1 (the paper's Table 1), "first half" variant: the demo's
#       generator trained on its 16-token windows (all16) and on their first 8 tokens only (first8), same steps,
#       seed and settings; both sample 16 tokens; positions 8-15 are zero-shot for first8
#   scripts/experiments/run.sh window     experiment 3 (the paper's Table 4): window 3 (window3) against full
#       causal attention (full), same budget; with the attention FLOPs of each
# Both are scored by `eim evaluate` (Fréchet distance in a classifier's features with the real set's
# floor, the classifier's accuracy on generated images, the per-position token Fréchet distance).
# Needs a finished demo (scripts/demo.sh --out DIR): its tokenizer, token file and image folders.
# Usage: scripts/experiments/run.sh zero-shot|window [--demo DIR (default out)] [--steps N (1500)]
#        [--seeds "1 2"] [--count N per class (20)] [--work DIR (out/experiments/<experiment>)]
# Writes experiments/results/<experiment>.json and .md (the table), kept in the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
experiment="${1:-}"; shift || true
case "$experiment" in
  zero-shot) variants=("all16:--length 16" "first8:--length 8") ;;
  window) variants=("window3:--window 3" "full:--window 0") ;;
  *) echo "error: give an experiment: zero-shot or window (see the usage at the top of $0)" >&2; exit 2 ;;
esac
demo=out; steps=1500; seeds="1"; count=20; work="out/experiments/$experiment"
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --seeds) seeds="$2"; shift ;;
    --count) count="$2"; shift ;;
    --work) work="$2"; shift ;;
    *) echo "error: unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
for f in "$demo/tokenizer.safetensors" "$demo/tokens.safetensors" "$demo/data"; do
  [ -e "$f" ] || { echo "error: $f is missing: run scripts/demo.sh --out $demo first (or give --demo DIR)" >&2; exit 2; }
done
mkdir -p "$work" experiments/results
# the demo's generator architecture (DemoConfig.standard) and recipe
common=(--data "$demo/tokens.safetensors" --preset tiny --width 128 --depth 4 --heads 4 --head-width 128 --head-depth 3
  --buffer 8 --dropout 0 --batch 16 --lr 1e-3 --warmup 50 --ema 0.995 --steps "$steps" --log-every 100
  --checkpoint-every 100000)
start=$(date +%s)
for seed in $seeds; do
  for variant in "${variants[@]}"; do
    name="${variant%%:*}"; read -r -a extra <<<"${variant#*:}"
    run="$work/$name-seed$seed"
    if [ ! -f "$run/generator.safetensors" ]; then
      rm -rf "$run"
      echo "== train $name (${extra[*]}), seed $seed, $steps steps" >&2
      scripts/eim train "${common[@]}" "${extra[@]}" --seed "$seed" --out "$run" >"$run.train.log" 2>&1
    fi
    classifier=()
    [ -f "$work/classifier.safetensors" ] && classifier=(--classifier "$work/classifier.safetensors")
    echo "== evaluate $name, seed $seed, at 16 tokens" >&2
    scripts/eim evaluate --generator "$run/generator.safetensors" --tokenizer "$demo/tokenizer.safetensors" \
      --data "$demo/data" --count "$count" --tokens 16 --steps 25 --seed "$seed" "${classifier[@]}" \
      --out "$work/eval-$name-seed$seed" >"$work/eval-$name-seed$seed.log" 2>&1
    [ -f "$work/classifier.safetensors" ] || cp "$work/eval-$name-seed$seed/classifier.safetensors" "$work/classifier.safetensors"
  done
done
seconds=$(( $(date +%s) - start ))
names="$(for v in "${variants[@]}"; do printf '%s ' "${v%%:*}"; done)"
/usr/bin/python3 - "$work" "$seeds" "$steps" "$count" "$seconds" "$experiment" "$names" <<'PY'
import json, statistics, sys, datetime, os
work, seeds, steps, count, seconds = sys.argv[1], sys.argv[2].split(), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
experiment, names = sys.argv[6], sys.argv[7].split()
rows = {}
for name in names:
    runs = [json.load(open(f"{work}/eval-{name}-seed{s}/evaluation.json")) for s in seeds]
    def stat(key, f=lambda r, k: r[k]):
        v = [f(r, key) for r in runs]
        return {"mean": statistics.mean(v), "min": min(v), "max": max(v), "all": v}
    seen = lambda r, k: statistics.mean(r["positionFrechet"][:8])
    unseen = lambda r, k: statistics.mean(r["positionFrechet"][8:])
    rows[name] = {"frechet": stat("frechetDistance"), "floor": stat("realSplitFrechetDistance"),
                  "accuracy": stat("generatedAccuracy"), "classifier_held_out": stat("classifierHeldOutAccuracy"),
                  "position_frechet_0_7": stat(None, seen), "position_frechet_8_15": stat(None, unseen),
                  "position_frechet": [statistics.mean(r["positionFrechet"][i] for r in runs) for i in range(16)]}
# attention FLOPs per sequence and block (multiply-adds x 2, QK^T and PV, self-attention over the image
# tokens; the cross-attention to the buffer is the same in every variant): keys seen by query i
def attn_flops(window, length=16, width=128):
    keys = sum(min(i + 1, window + 1) if window > 0 else i + 1 for i in range(length))
    return 2 * 2 * width * keys
if experiment == "window":
    for name, w in (("window3", 3), ("full", 0)):
        rows[name]["attention_flops_per_sequence_and_block"] = attn_flops(w)
doc = {"experiment": experiment, "date": datetime.date.today().isoformat(), "seeds": seeds,
       "steps": steps, "generated_per_class": count, "seconds": seconds, "results": rows,
       "note": "Fréchet distances in the features of a small classifier trained on the demo's images (not Inception); "
               "floor = the real set's halves against each other"}
json.dump(doc, open(f"experiments/results/{experiment}.json", "w"), indent=1)
f = lambda s: f"{s['mean']:.3g}" + (f" [{s['min']:.3g}, {s['max']:.3g}]" if len(s["all"]) > 1 else "")
labels = {"all16": "all 16 positions", "first8": "the first 8 positions", "window3": "window 3", "full": "full causal"}
if experiment == "zero-shot":
    lines = ["| trained on | Fréchet distance (floor) | class accuracy of samples | token FD, positions 0-7 | token FD, positions 8-15 |",
             "|---|---|---|---|---|"]
    for name in names:
        r = rows[name]
        lines.append(f"| {labels[name]} | {f(r['frechet'])} ({f(r['floor'])}) | {f(r['accuracy'])} | "
                     f"{f(r['position_frechet_0_7'])} | {f(r['position_frechet_8_15'])} |")
else:
    lines = ["| attention | Fréchet distance (floor) | class accuracy of samples | token FD, all positions | attention FLOPs per sequence and block |",
             "|---|---|---|---|---|"]
    for name in names:
        r = rows[name]
        allpos = statistics.mean(r["position_frechet"])
        lines.append(f"| {labels[name]} | {f(r['frechet'])} ({f(r['floor'])}) | {f(r['accuracy'])} | {allpos:.3g} | "
                     f"{r['attention_flops_per_sequence_and_block']:,} |")
md = "\n".join(lines) + f"\n\nSeeds {' '.join(seeds)}, {steps} steps each, {count} images per class, {seconds} s in all.\n"
open(f"experiments/results/{experiment}.md", "w").write(md)
print(md)
PY

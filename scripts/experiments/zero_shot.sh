#!/usr/bin/env bash
# Experiment 1 of issue 12, zero-shot positions (the paper's Table 1: trained on 8 of the 16 column
# positions, scored on all 16), the "first half" variant: the same generator trained on the demo's
# 16-token windows (all16) and on their first 8 tokens only (first8), with the same steps, seed and
# settings; both sample 16 tokens and are scored by `eim evaluate` (Fréchet distance in a classifier's
# features, the classifier's accuracy on the generated images, and the per-position token Fréchet
# distance: positions 8-15 are zero-shot for first8).
# Needs a finished demo (scripts/demo.sh --out DIR): its tokenizer, token file and image folders.
# Usage: scripts/experiments/zero_shot.sh [--demo DIR (default out)] [--steps N (1500)] [--seeds "1 2"]
#        [--count N per class (20)] [--work DIR (out/experiments/zero-shot)]
# Writes experiments/results/zero-shot.json and .md (the table), kept in the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
demo=out; steps=1500; seeds="1"; count=20; work=out/experiments/zero-shot
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
  for variant in all16:16 first8:8; do
    name="${variant%%:*}"; len="${variant##*:}"
    run="$work/$name-seed$seed"
    if [ ! -f "$run/generator.safetensors" ]; then
      rm -rf "$run"
      echo "== train $name (first $len tokens), seed $seed, $steps steps" >&2
      scripts/eim train "${common[@]}" --length "$len" --seed "$seed" --out "$run" >"$run.train.log" 2>&1
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
/usr/bin/python3 - "$work" "$seeds" "$steps" "$count" "$seconds" <<'PY'
import json, statistics, sys, datetime, os
work, seeds, steps, count, seconds = sys.argv[1], sys.argv[2].split(), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = {}
for name in ("all16", "first8"):
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
doc = {"experiment": "zero-shot positions (first half)", "date": datetime.date.today().isoformat(), "seeds": seeds,
       "steps": steps, "generated_per_class": count, "seconds": seconds, "results": rows,
       "note": "Fréchet distances in the features of a small classifier trained on the demo's images (not Inception); "
               "floor = the real set's halves against each other"}
json.dump(doc, open("experiments/results/zero-shot.json", "w"), indent=1)
f = lambda s: f"{s['mean']:.3g}" + (f" [{s['min']:.3g}, {s['max']:.3g}]" if len(s["all"]) > 1 else "")
lines = ["| trained on | Fréchet distance (floor) | class accuracy of samples | token FD, positions 0-7 | token FD, positions 8-15 |",
         "|---|---|---|---|---|"]
for name, label in (("all16", "all 16 positions"), ("first8", "the first 8 positions")):
    r = rows[name]
    lines.append(f"| {label} | {f(r['frechet'])} ({f(r['floor'])}) | {f(r['accuracy'])} | {f(r['position_frechet_0_7'])} | {f(r['position_frechet_8_15'])} |")
md = "\n".join(lines) + f"\n\nSeeds {' '.join(seeds)}, {steps} steps each, {count} images per class, {seconds} s in all.\n"
open("experiments/results/zero-shot.md", "w").write(md)
print(md)
PY

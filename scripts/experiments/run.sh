#!/usr/bin/env bash
# The paper's claims at small scale (issue 12), one command per experiment:
#   scripts/experiments/run.sh zero-shot  experiment 1 (the paper's Table 1): the demo's generator trained on its
#       16-token windows (all16), on their first 8 tokens only (first8: positions 8-15 are zero-shot), and with the
#       loss at the even positions only (even8: every token is context, the odd positions are never predicted in
#       training); same steps, seed and settings; all sample 16 tokens
#   scripts/experiments/run.sh window     experiment 3 (the paper's Table 4): window 3 (window3) against full
#       causal attention (full), same budget; with the attention FLOPs of each
#   scripts/experiments/run.sh ultra-long experiment 4: the all16 generator (reused from zero-shot's work folder when
#       there, else trained the same way) samples 16, 128 (8x) and 512 (32x) tokens; every 16-token window along the
#       width is scored against the real images (no drift = flat), and every position's tokens against the data's;
#       the strips of seed 1 are kept in experiments/results/ultra-long/
#   scripts/experiments/run.sh grid       experiment 2, the paper's 2D-grid baseline: the same generator on 32x32
#       images cut into 4x4 patches of 8 px, raster order, PCA tokens of 16 channels (eim grid-tokens), full causal
#       attention; trained on all 16 positions (grid16) and on the first 8 (grid8: the top half); scored like zero-shot
#   scripts/experiments/run.sh prepare-fashion --out DIR  the real-image set: Fashion-MNIST as a demo folder (data,
#       tokenizer, tokens); then e.g. scripts/experiments/run.sh zero-shot --demo DIR --name zero-shot-fashion
#   scripts/experiments/run.sh report     experiments/results/report.html from the results there (eim experiments-report)
# All are scored by `eim evaluate` (Fréchet distance in a classifier's features with the real set's
# floor, the classifier's accuracy on generated images, the per-position token Fréchet distance).
# Needs a finished demo (scripts/demo.sh --out DIR): its tokenizer, token file and image folders.
# Usage: scripts/experiments/run.sh zero-shot|grid|window|ultra-long [--demo DIR (default out)] [--steps N (1500)]
#        [--seeds "1 2"] [--count N per class (20)] [--work DIR (out/experiments/<experiment>)] [--name NAME]
# Writes experiments/results/<NAME (default: the experiment)>.json and .md (the table), kept in the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
experiment="${1:-}"; shift || true
if [ "$experiment" = report ]; then
  exec scripts/eim experiments-report --results experiments/results "$@"
fi
if [ "$experiment" = prepare-fashion ]; then
  # the real-image set: Fashion-MNIST (apt-get install dataset-fashion-mnist), 200 images per class at 32x32, a mini
  # tokenizer trained on them and their tokens, laid out as a demo folder (--demo DIR for the other experiments)
  dir="${2:-out/fashion}"; [ "${1:-}" = --out ] || { echo "usage: $0 prepare-fashion --out DIR" >&2; exit 2; }
  mkdir -p "$dir"
  [ -d "$dir/data" ] || scripts/eim tokenizer fashion-mnist --per-class 200 --size 32 --out "$dir/data"
  [ -f "$dir/tokenizer.safetensors" ] || scripts/eim tokenizer train --data "$dir/data" --preset mini --steps 1000 \
    --lr 3e-3 --warmup 20 --l2-mix 1 --out "$dir/tokenizer.safetensors" >"$dir/tokenizer.log" 2>&1
  [ -f "$dir/tokens.safetensors" ] || scripts/eim tokenize --checkpoint "$dir/tokenizer.safetensors" --crops 2 --width 32 \
    --out "$dir/tokens.safetensors" "$dir/data"
  exit 0
fi
case "$experiment" in
  zero-shot) variants=("all16:--length 16" "first8:--length 8" "even8:--loss-positions even") ;;
  window) variants=("window3:--window 3" "full:--window 0") ;;
  ultra-long) variants=("all16:--length 16") ;;
  grid) variants=("grid16:--length 16 --window 0 --posterior-std 0" "grid8:--length 8 --window 0 --posterior-std 0") ;;
  *) echo "error: give an experiment: zero-shot, grid, window, ultra-long or report (see the usage at the top of $0)" >&2; exit 2 ;;
esac
demo=out; steps=1500; seeds="1"; count=20; work="out/experiments/$experiment"; result_name="$experiment"
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --seeds) seeds="$2"; shift ;;
    --count) count="$2"; shift ;;
    --work) work="$2"; shift ;;
    --name) result_name="$2"; shift ;;
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
if [ "$experiment" = ultra-long ]; then
  shared="$(dirname "$work")/zero-shot"
  for seed in $seeds; do
    run="$work/all16-seed$seed"
    if [ ! -f "$run/generator.safetensors" ] && [ -f "$shared/all16-seed$seed/generator.safetensors" ] \
        && grep -q "step $steps/$steps " "$shared/all16-seed$seed.train.log" 2>/dev/null; then
      mkdir -p "$run" && cp "$shared/all16-seed$seed/generator.safetensors" "$run/"
      echo "== reusing zero-shot's all16 generator, seed $seed ($steps steps)" >&2
    fi
    if [ ! -f "$run/generator.safetensors" ]; then
      rm -rf "$run"
      echo "== train all16, seed $seed, $steps steps" >&2
      scripts/eim train "${common[@]}" --length 16 --seed "$seed" --out "$run" >"$run.train.log" 2>&1
    fi
    for schedule in constant linear; do
      for tokens in 16 128 512; do
        eval_dir="$work/eval-$schedule-$tokens-seed$seed"
        [ -f "$eval_dir/evaluation.json" ] && continue
        classifier=()
        [ -f "$work/classifier.safetensors" ] && classifier=(--classifier "$work/classifier.safetensors")
        keep=0; [ "$seed" = "$(echo $seeds | cut -d' ' -f1)" ] && keep=1
        echo "== evaluate all16, seed $seed, at $tokens tokens in windows of 16, $schedule guidance" >&2
        scripts/eim evaluate --generator "$run/generator.safetensors" --tokenizer "$demo/tokenizer.safetensors" \
          --data "$demo/data" --count "$count" --tokens "$tokens" --window 16 --save-images "$keep" --steps 25 \
          --cfg-schedule "$schedule" --seed "$seed" "${classifier[@]}" --out "$eval_dir" >"$eval_dir.log" 2>&1
        [ -f "$work/classifier.safetensors" ] || cp "$eval_dir/classifier.safetensors" "$work/classifier.safetensors"
      done
    done
  done
  seconds=$(( $(date +%s) - start ))
  first=$(echo $seeds | cut -d' ' -f1)
  mkdir -p experiments/results/ultra-long
  for schedule in constant linear; do
    for tokens in 128 512; do
      for f in "$work/eval-$schedule-$tokens-seed$first/images/"*_00.png; do
        cp "$f" "experiments/results/ultra-long/$schedule-$tokens-$(basename "$f")"
      done
    done
  done
  /usr/bin/python3 - "$work" "$seeds" "$steps" "$count" "$seconds" <<'PY'
import json, statistics, sys, datetime
work, seeds, steps, count, seconds = sys.argv[1], sys.argv[2].split(), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = {}
for schedule, tokens in [(sch, t) for sch in ("constant", "linear") for t in (16, 128, 512)]:
    runs = [json.load(open(f"{work}/eval-{schedule}-{tokens}-seed{s}/evaluation.json")) for s in seeds]
    def stat(f):
        v = [f(r) for r in runs]
        return {"mean": statistics.mean(v), "min": min(v), "max": max(v), "all": v}
    rows.setdefault(schedule, {})[str(tokens)] = {
        "frechet_mean_of_windows": stat(lambda r: r["frechetDistance"]),
        "frechet_first_window": stat(lambda r: r["windowFrechet"][0]),
        "frechet_last_window": stat(lambda r: r["windowFrechet"][-1]),
        "accuracy": stat(lambda r: r["generatedAccuracy"]),
        "accuracy_last_window": stat(lambda r: r["windowAccuracy"][-1]),
        "floor": stat(lambda r: r["realSplitFrechetDistance"]),
        "token_frechet_first_16": stat(lambda r: statistics.mean(r["positionFrechet"][:16])),
        "token_frechet_last_16": stat(lambda r: statistics.mean(r["positionFrechet"][-16:])),
        "window_frechet": [statistics.mean(r["windowFrechet"][k] for r in runs) for k in range(tokens // 16)],
        "window_accuracy": [statistics.mean(r["windowAccuracy"][k] for r in runs) for k in range(tokens // 16)],
        "position_frechet": [statistics.mean(r["positionFrechet"][i] for r in runs) for i in range(tokens)],
    }
doc = {"experiment": "ultra-long", "date": datetime.date.today().isoformat(), "seeds": seeds, "steps": steps,
       "generated_per_class": count, "seconds": seconds, "trained_tokens": 16, "results": rows,
       "guidance": "cfg 3; constant: 3 at every token; linear (the authors' default): 1 + 2 (i + 1) / L, so the first "
                   "windows of a long image get almost none",
       "strips": "experiments/results/ultra-long/<schedule>-<tokens>-<class>_00.png (seed " + seeds[0] + ")",
       "note": "each 16-token window of a generated image is scored as an image of its own against real 16-token images "
               "(Fréchet distance in a small classifier's features, not Inception); token positions against the real "
               "tokens of all 16 positions pooled"}
json.dump(doc, open("experiments/results/ultra-long.json", "w"), indent=1)
f = lambda s: f"{s['mean']:.3g}" + (f" [{s['min']:.3g}, {s['max']:.3g}]" if len(s["all"]) > 1 else "")
lines = ["| guidance | width (tokens) | x training width | Fréchet distance, mean of windows (floor) | first window | last window | "
         "class accuracy (last window) | token FD, first 16 positions | token FD, last 16 positions |",
         "|---|---|---|---|---|---|---|---|---|"]
for schedule, tokens in [(sch, t) for sch in ("constant", "linear") for t in (16, 128, 512)]:
    r = rows[schedule][str(tokens)]
    lines.append(f"| {schedule} | {tokens} | {tokens // 16} | {f(r['frechet_mean_of_windows'])} ({f(r['floor'])}) | {f(r['frechet_first_window'])} | "
                 f"{f(r['frechet_last_window'])} | {f(r['accuracy'])} ({f(r['accuracy_last_window'])}) | "
                 f"{f(r['token_frechet_first_16'])} | {f(r['token_frechet_last_16'])} |")
md = "\n".join(lines) + f"\n\nSeeds {' '.join(seeds)}, {steps} training steps, {count} images per class, {seconds} s in all.\n"
open("experiments/results/ultra-long.md", "w").write(md)
print(md)
PY
  exit 0
fi
codec=(--tokenizer "$demo/tokenizer.safetensors")
if [ "$experiment" = grid ]; then
  # the baseline's tokens and codec, made once; the classifier of zero-shot's work folder when there (same real images)
  if [ ! -f "$work/grid-tokens.safetensors" ]; then
    echo "== grid tokens: 4x4 patches of 8 px, 16 principal components" >&2
    scripts/eim grid-tokens --data "$demo/data" --out "$work/grid-tokens.safetensors" --codec "$work/codec.safetensors" \
      --crops 2 >"$work/grid-tokens.log" 2>&1
  fi
  shared="$(dirname "$work")/zero-shot"
  [ -f "$work/classifier.safetensors" ] || [ ! -f "$shared/classifier.safetensors" ] || cp "$shared/classifier.safetensors" "$work/"
  common[1]="$work/grid-tokens.safetensors"
  codec=(--codec "$work/codec.safetensors")
fi
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
    scripts/eim evaluate --generator "$run/generator.safetensors" "${codec[@]}" \
      --data "$demo/data" --count "$count" --tokens 16 --steps 25 --seed "$seed" "${classifier[@]}" \
      --out "$work/eval-$name-seed$seed" >"$work/eval-$name-seed$seed.log" 2>&1
    [ -f "$work/classifier.safetensors" ] || cp "$work/eval-$name-seed$seed/classifier.safetensors" "$work/classifier.safetensors"
  done
done
seconds=$(( $(date +%s) - start ))
names="$(for v in "${variants[@]}"; do printf '%s ' "${v%%:*}"; done)"
/usr/bin/python3 - "$work" "$seeds" "$steps" "$count" "$seconds" "$experiment" "$names" "$result_name" "$demo" <<'PY'
import json, statistics, sys, datetime, os
work, seeds, steps, count, seconds = sys.argv[1], sys.argv[2].split(), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
experiment, names, result_name, demo = sys.argv[6], sys.argv[7].split(), sys.argv[8], sys.argv[9]
rows = {}
for name in names:
    runs = [json.load(open(f"{work}/eval-{name}-seed{s}/evaluation.json")) for s in seeds]
    def stat(key, f=lambda r, k: r[k]):
        v = [f(r, key) for r in runs]
        return {"mean": statistics.mean(v), "min": min(v), "max": max(v), "all": v}
    seen = lambda r, k: statistics.mean(r["positionFrechet"][:8])
    unseen = lambda r, k: statistics.mean(r["positionFrechet"][8:])
    even = lambda r, k: statistics.mean(r["positionFrechet"][0::2])
    odd = lambda r, k: statistics.mean(r["positionFrechet"][1::2])
    rows[name] = {"frechet": stat("frechetDistance"), "floor": stat("realSplitFrechetDistance"),
                  "accuracy": stat("generatedAccuracy"), "classifier_held_out": stat("classifierHeldOutAccuracy"),
                  "position_frechet_0_7": stat(None, seen), "position_frechet_8_15": stat(None, unseen),
                  "position_frechet_even": stat(None, even), "position_frechet_odd": stat(None, odd),
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
doc["data"] = demo + "/data"
json.dump(doc, open(f"experiments/results/{result_name}.json", "w"), indent=1)
f = lambda s: f"{s['mean']:.3g}" + (f" [{s['min']:.3g}, {s['max']:.3g}]" if len(s["all"]) > 1 else "")
labels = {"all16": "all 16 positions", "first8": "the first 8 positions", "even8": "the 8 even positions (loss mask)",
          "grid16": "2D grid: all 16 patches", "grid8": "2D grid: the first 8 patches (top half)",
          "window3": "window 3", "full": "full causal"}
if experiment in ("zero-shot", "grid"):
    lines = ["| trained on | Fréchet distance (floor) | class accuracy of samples | token FD, positions 0-7 | token FD, positions 8-15 "
             "| token FD, even positions | token FD, odd positions |",
             "|---|---|---|---|---|---|---|"]
    for name in names:
        r = rows[name]
        lines.append(f"| {labels[name]} | {f(r['frechet'])} ({f(r['floor'])}) | {f(r['accuracy'])} | "
                     f"{f(r['position_frechet_0_7'])} | {f(r['position_frechet_8_15'])} | "
                     f"{f(r['position_frechet_even'])} | {f(r['position_frechet_odd'])} |")
else:
    lines = ["| attention | Fréchet distance (floor) | class accuracy of samples | token FD, all positions | attention FLOPs per sequence and block |",
             "|---|---|---|---|---|"]
    for name in names:
        r = rows[name]
        allpos = statistics.mean(r["position_frechet"])
        lines.append(f"| {labels[name]} | {f(r['frechet'])} ({f(r['floor'])}) | {f(r['accuracy'])} | {allpos:.3g} | "
                     f"{r['attention_flops_per_sequence_and_block']:,} |")
md = "\n".join(lines) + f"\n\nSeeds {' '.join(seeds)}, {steps} steps each, {count} images per class, {seconds} s in all.\n"
open(f"experiments/results/{result_name}.md", "w").write(md)
print(md)
PY

#!/usr/bin/env python3
"""Times the authors' generator architecture in PyTorch (CPU), the baseline for the Java port.

Uses scripts/golden/generator_ref.py (a faithful plain-PyTorch copy of the authors' math, checked against
their code) with the authors' initialisation and training settings (dropouts 0.1, label drop 0.1).
Benchmarks:
  train_step        forward + backward + clip_grad_norm_(3.0) + AdamW step + EMA update, batch 8, 16 tokens,
                    diffusion_batch_mul 4; presets tiny and small; median after warm-up over calls spanning
                    at least --min-seconds (ms)
  sample            4 images x 16 tokens, 25 flow steps, cfg 3.0 (linear), authors' full-recompute
                    sampler, presets --sample-shapes (default tiny; ms for the whole batch)
  sample_per_token  1 image of L tokens (L = 16, 64, 256, 1024), same sampler and settings, tiny
                    (ms/token); a length whose time, extrapolated from the smaller lengths, exceeds
                    --max-minutes is skipped (value null, estimate recorded)
  sample_kv, sample_per_token_kv
                    the same with a key/value-cache sampler (generator_ref.sample_tokens_kv, the same
                    tokens): a sampler a PyTorch user would write, cost per token flat in L
  sample_kv_batched the KV-cache sampler with each token's flow steps' adaLN modulations computed in one
                    batch (DiffLoss.sample_batched_modulations): the fastest PyTorch sampler we have
Output: a JSON list of records {benchmark, shape, unit, value, blas, threads, ...} on stdout or --out;
value is wall-clock time; cpu_ms (process CPU time, all threads) and the load average are recorded too,
since these machines are shared.
OMP_WAIT_POLICY defaults to PASSIVE here: with the default (spinning) policy, 2 OpenMP threads on an
oversubscribed machine ran a tiny training step 15-25x slower (16 s instead of 0.7 s) in our runs.
Export OMP_WAIT_POLICY=ACTIVE before running to measure with spinning threads on an idle machine.
Usage: /usr/bin/python3 scripts/bench_generator.py [--quick] [--only train_step,sample,sample_kv,...]
       [--shapes tiny,small,s] [--sample-shapes tiny,small] [--batch 8] [--lengths 16,64,256,1024] [--max-minutes 10] [--min-seconds 10]
       [--out file.json]
"""
import argparse
import dataclasses
import functools
import json
import math
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch loads libgomp; see the docstring
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchinfo  # noqa: E402
MALLOC_CHOICE = benchinfo.keep_freed_memory()   # may re-execute this script
OPENBLAS_CHOICE = benchinfo.prefer_avx512_openblas()   # before torch loads OpenBLAS
import torch  # noqa: E402

# EIM_TORCH_DEVICE=cuda runs the same code on the GPU (scripts/gpu-check.sh): every tensor is created there
DEVICE = os.environ.get("EIM_TORCH_DEVICE", "cpu")
if DEVICE != "cpu":
    torch.set_default_device(DEVICE)


def synchronize():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
from generator_ref import PRESETS, EquivariantGenerator, authors_init, make_optimizer  # noqa: E402

BENCHMARKS = ("train_step", "sample", "sample_per_token", "sample_kv", "sample_kv_batched", "sample_per_token_kv")
TRAIN_BATCH, TRAIN_TOKENS, TRAIN_MUL = 8, 16, 4
SAMPLE_IMAGES, SAMPLE_TOKENS, FLOW_STEPS, CFG = 4, 16, 25, 3.0
CLIP = 3.0
EMA_RATE = 0.9999                           # the authors' --ema_rate default


def blas_description():
    """torch's BLAS_INFO, the libraries actually mapped into this process and OpenBLAS's kernel set."""
    info = torch.__config__.show()
    blas_info = next((p.split("=", 1)[1] for p in info.replace(",", " ").split() if p.startswith("BLAS_INFO=")), "?")
    return (f"BLAS_INFO={blas_info}; loaded: {', '.join(benchinfo.loaded_blas()) or 'none found'}; "
            f"{OPENBLAS_CHOICE}")


def build(shape, seq_len=TRAIN_TOKENS):
    cfg = dataclasses.replace(PRESETS[shape], attn_dropout=0.1, proj_dropout=0.1, diffusion_batch_mul=TRAIN_MUL,
                              seq_len=seq_len)
    model = EquivariantGenerator(cfg)
    authors_init(model)
    return model


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def train_step_ms(shape, warmup, repeats, batch=TRAIN_BATCH, min_seconds=0.0):
    model = build(shape)
    cfg = model.cfg
    model.train()
    optimizer = make_optimizer(model, 1e-4 * batch / 256)  # blr scaled by batch/256, as the authors
    params = list(model.parameters())
    ema_params = [p.detach().clone() for p in params]
    rows = TRAIN_MUL * batch * TRAIN_TOKENS
    tokens = torch.randn(batch, TRAIN_TOKENS, cfg.token_channels)
    labels = torch.randint(0, cfg.num_classes, (batch,))

    def step():
        drop_mask = (torch.rand(batch) < cfg.label_drop_prob).int()
        shift = int(torch.randint(0, cfg.shift_range, (1,)))
        loss = model(tokens, labels, drop_mask, shift, torch.randn(rows, cfg.token_channels), torch.rand(rows))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        # the authors' engine_generator.update_ema, run after every step (as our step does)
        with torch.no_grad():
            for targ, src in zip(ema_params, params):
                targ.mul_(EMA_RATE).add_(src, alpha=1 - EMA_RATE)

    walls, cpus = timed(step, warmup, repeats, min_seconds)
    return statistics.median(walls), {"cpu_ms": statistics.median(cpus), "params": parameter_count(model),
                                      "batch": batch, "tokens": TRAIN_TOKENS,
                                      "diffusion_batch_mul": TRAIN_MUL, "repeats": repeats, "all_ms": walls}


def sample_ms(model, images, length, repeats, kv=False, min_seconds=0.0, batched=False):
    labels = torch.randint(0, model.cfg.num_classes, (images,))
    generator = torch.Generator().manual_seed(0)
    if batched:
        sampler = functools.partial(model.sample_tokens_kv, batched_modulations=True)
    else:
        sampler = model.sample_tokens_kv if kv else model.sample_tokens
    return timed(lambda: sampler(labels, length, cfg=CFG, flow_steps=FLOW_STEPS, generator=generator), 0, repeats,
                 min_seconds)


PAIRED = False   # --paired: timed calls paced by scripts/bench_paired.py


def paired_next(started):
    """--paired: says "ready" before the first timed call, then waits for the coordinator's line:
    True for "go", False for "stop" or the end of stdin (GeneratorBench's Lockstep protocol)."""
    if not started:
        print("ready", flush=True)
    line = sys.stdin.readline()
    if not line or line.strip() == "stop":
        return False
    if line.strip() != "go":
        raise SystemExit(f"error: --paired: expected 'go' or 'stop' on stdin, got {line.strip()!r}")
    return True


def timed(fn, warmup, repeats, min_seconds=0.0):
    """Wall and CPU ms of `repeats` calls or more, until they span `min_seconds`: this VM's speed
    moves in phases of seconds, and GeneratorBench times as long (-Deim.bench.timedSeconds).
    With --paired, after `warmup` calls spanning at least `min_seconds`, one call per "go" instead."""
    warm_begin = time.perf_counter()
    done = 0
    while done < warmup or (PAIRED and time.perf_counter() - warm_begin < min_seconds):
        fn()
        done += 1
    synchronize()
    walls, cpus = [], []   # ms
    begin = time.perf_counter()
    while paired_next(bool(walls)) if PAIRED else (len(walls) < repeats or time.perf_counter() - begin < min_seconds):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        synchronize()
        walls.append(round((time.perf_counter() - start) * 1e3, 3))
        cpus.append(round((time.process_time() - cpu_start) * 1e3, 3))
        if PAIRED:
            print(f"ms {walls[-1]}", flush=True)
    return walls, cpus


def sampler_model(shape="tiny"):
    model = build(shape)
    model.eval()
    sample_ms(model, 1, 2, 1)   # warm-up
    return model


def per_token_records(lengths, max_minutes, record, kv=False):
    model = sampler_model()
    name = "sample_per_token_kv" if kv else "sample_per_token"
    measured = []   # (length, total ms)
    for length in lengths:
        estimate = extrapolate(measured, length)
        extra = {"images": 1, "tokens": length, "flow_steps": FLOW_STEPS, "cfg": CFG,
                 "estimate_ms": None if estimate is None else round(estimate, 1)}
        if estimate is not None and estimate > max_minutes * 60e3:
            record(name, f"tiny-{length}", "ms/token", None,
                   skipped=f"estimated {estimate / 60e3:.1f} min > {max_minutes} min", **extra)
            continue
        walls, cpus = sample_ms(model, 1, length, 1, kv)
        measured.append((length, walls[0]))
        record(name, f"tiny-{length}", "ms/token", walls[0] / length, total_ms=walls[0],
               cpu_ms=cpus[0], **extra)


def extrapolate(measured, length):
    """Time at `length` from the smaller lengths. The full recompute costs a*L (flow head, per-step
    overheads) + b*L^2 (the transformer over the whole sequence at each AR step) + an attention
    ~L^3 term: fit a, b to the last two measurements and add 50% for the attention term; from one
    measurement assume pure L^2 growth (an upper bound for the first two terms)."""
    if not measured:
        return None
    l2, t2 = measured[-1]
    if len(measured) == 1:
        return t2 * (length / l2) ** 2
    l1, t1 = measured[-2]
    b = max(0.0, (t2 / l2 - t1 / l1) / (l2 - l1))   # from t/L = a + b*L
    a = max(0.0, t2 / l2 - b * l2)
    return 1.5 * (a * length + b * length ** 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset of " + ", ".join(BENCHMARKS))
    parser.add_argument("--shapes", default="tiny,small", help="train_step presets (tiny, small, s)")
    parser.add_argument("--batch", type=int, default=TRAIN_BATCH,
                        help="train_step batch; a record's shape is preset-bN when it is not 8")
    parser.add_argument("--sample-shapes", default="tiny", help="sample, sample_kv presets (tiny, small, s)")
    parser.add_argument("--lengths", default="16,64,256,1024", help="sample_per_token lengths")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="skip a sampling length estimated longer")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=10.0,
                        help="train_step, sample, sample_kv: time calls until they span this long (0 with --quick)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, --max-minutes 1")
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    parser.add_argument("--paired", action="store_true",
                        help="timed calls paced over stdin/stdout by scripts/bench_paired.py (needs --out); "
                             "--min-seconds is then the warm-up span")
    args = parser.parse_args()
    global PAIRED
    PAIRED = args.paired
    if args.paired and not args.out:
        parser.error("--paired needs --out: stdout carries the lockstep protocol")
    selected = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = set(selected) - set(BENCHMARKS)
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {sorted(unknown)}; expected {', '.join(BENCHMARKS)}")
    if args.batch < 1:
        parser.error(f"--batch: must be a positive integer, got {args.batch}")
    warmup, repeats = (1, 3) if args.quick else (2, 5)
    max_minutes = min(args.max_minutes, 1.0) if args.quick else args.max_minutes
    if not (args.min_seconds >= 0 and math.isfinite(args.min_seconds)):
        parser.error(f"--min-seconds: must be a finite number >= 0, got {args.min_seconds}")
    min_seconds = 0.0 if args.quick else args.min_seconds
    sample_shapes = [s.strip() for s in args.sample_shapes.split(",") if s.strip()]
    for shape in sample_shapes:
        if shape not in PRESETS:
            parser.error(f"--sample-shapes: unknown preset {shape!r}; expected one of {sorted(PRESETS)}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    blas, threads = blas_description(), torch.get_num_threads()
    records = []

    def record(benchmark, shape, unit, value, **extra):
        rec = {"benchmark": benchmark, "shape": shape, "unit": unit,
               "value": None if value is None else round(value, 3), "blas": blas, "allocator": MALLOC_CHOICE,
               "threads": threads,
               "omp_wait_policy": os.environ["OMP_WAIT_POLICY"], "loadavg_1min": round(os.getloadavg()[0], 2),
               "torch": torch.__version__, "quick": args.quick, **extra}
        records.append(rec)
        print(f"{benchmark:17s} {shape:10s} {rec['value']} {unit}", file=sys.stderr, flush=True)

    if "train_step" in selected:
        for shape in [s.strip() for s in args.shapes.split(",") if s.strip()]:
            if shape not in PRESETS:
                parser.error(f"--shapes: unknown preset {shape!r}; expected one of {sorted(PRESETS)}")
            ms, extra = train_step_ms(shape, warmup, repeats, args.batch, min_seconds)
            record("train_step", shape if args.batch == TRAIN_BATCH else f"{shape}-b{args.batch}", "ms", ms, **extra)
            # the process's peak resident memory so far (this preset's when it is the first)
            record("train_step_peak_rss", shape if args.batch == TRAIN_BATCH else f"{shape}-b{args.batch}", "MB",
                   resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    for name in ("sample", "sample_kv", "sample_kv_batched"):
        for shape in sample_shapes if name in selected else []:
            model = sampler_model(shape)
            walls, cpus = sample_ms(model, SAMPLE_IMAGES, SAMPLE_TOKENS, 1 if args.quick else 3, kv=name == "sample_kv",
                                    min_seconds=min_seconds, batched=name == "sample_kv_batched")
            record(name, shape, "ms", statistics.median(walls), cpu_ms=statistics.median(cpus),
                   images=SAMPLE_IMAGES, tokens=SAMPLE_TOKENS, flow_steps=FLOW_STEPS, cfg=CFG, all_ms=walls)
    for kv in (False, True):
        if ("sample_per_token_kv" if kv else "sample_per_token") in selected:
            per_token_records([int(x) for x in args.lengths.split(",")], max_minutes, record, kv)

    text = json.dumps(records, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()

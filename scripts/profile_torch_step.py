#!/usr/bin/env python3
"""Where PyTorch's training step goes: the authors' step as scripts/bench_generator.py times it, under
torch.profiler, summed per step: matrix products (aten::mm, addmm: the Linear layers; bmm: attention)
against everything else, next to the unprofiled step time.

The profiler's own cost lands on the thousands of small ops (the profiled step takes ~1.7x the
unprofiled one), not on the matrix products (milliseconds each), so their sum is the figure to use.
Usage: OMP_WAIT_POLICY=ACTIVE /usr/bin/python3 scripts/profile_torch_step.py [--preset small] [--batch 32]
       [--steps 3] [--out FILE]   (FILE: the summary and the profiler's table as text; refused if it exists)
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_generator as bg  # noqa: E402  (sets OMP_WAIT_POLICY's default before torch loads)
import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

GEMM = ("aten::mm", "aten::addmm")
ATTENTION_GEMM = ("aten::bmm", "aten::baddbmm")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="small", choices=sorted(bg.PRESETS))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3, help="profiled steps (and as many unprofiled ones)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.batch < 1 or args.steps < 1:
        parser.error("--batch and --steps must be positive integers")
    if args.out and os.path.exists(args.out):
        parser.error(f"--out {args.out}: exists; not overwritten")
    if args.out and not os.access(os.path.dirname(os.path.abspath(args.out)), os.W_OK):
        parser.error(f"--out {args.out}: its folder is not writable")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    lines = []

    def timed(step, warmup, repeats, min_seconds=0.0):  # replaces bench_generator.timed for this run
        for _ in range(max(warmup, 3)):
            step()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        plain = (time.perf_counter() - start) / args.steps * 1e3
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            profiled = (time.perf_counter() - start) / args.steps * 1e3
        averages = prof.key_averages()
        per_step = lambda keys: sum(e.self_cpu_time_total for e in averages if e.key in keys) / 1e3 / args.steps
        gemm, attention = per_step(GEMM), per_step(ATTENTION_GEMM)
        lines.append(f"preset {args.preset}, batch {args.batch}, {args.threads} threads, "
                     f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, torch {torch.__version__}, "
                     f"load average {os.getloadavg()[0]:.2f}")
        lines.append(f"step, unprofiled: {plain:.0f} ms; profiled: {profiled:.0f} ms")
        lines.append(f"per step: mm + addmm (Linear) {gemm:.0f} ms, bmm (attention) {attention:.0f} ms, "
                     f"unprofiled step minus both: {plain - gemm - attention:.0f} ms")
        lines.append(averages.table(sort_by="self_cpu_time_total", row_limit=25))
        return [plain], [0.0]

    bg.timed = timed
    bg.train_step_ms(args.preset, 3, args.steps, args.batch)
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Ours vs PyTorch in lockstep: paired measurements on a shared machine.

  train   one training step at a time (GeneratorBench against bench_generator.py)
  linear  the Linear kernels shape by shape (LinearPaired against bench_kernels.py --paired)

Starts GeneratorBench (ours) and scripts/bench_generator.py (the authors' code path in PyTorch) side
by side, lets each warm up alone, then alternates single timed steps between them (ours-PyTorch,
PyTorch-ours, ...), so that only one side runs at a time and the two steps of a pair are seconds
apart. Each pair gives a ratio PyTorch/ours measured under the same state of the machine; on a VM
whose speed moves by 10-20% in phases of seconds to minutes, the median of these ratios is far
steadier than a ratio of two medians taken minutes apart (scripts/bench_alternating.sh).

The idle side blocks on its stdin. Its threads must not spin meanwhile: our worker team spins
200 us after a launch, then parks; PyTorch's OpenMP threads get OMP_WAIT_POLICY=ACTIVE with
GOMP_SPINCOUNT=300000 (libgomp's default count, about 3 ms), as the ACTIVE policy alone spins for
minutes and would take a core from the other side's step.

For the Linear kernels each shape is warmed up on each side alone, then timed in rounds of one span
per side (order alternating), as JMH's iterations: the ratio of a round compares two spans seconds apart.

Usage: scripts/bench_paired.py train [--preset s] [--batch 8] [--pairs 20] [--steps-per-turn 1]
           [--warmup-seconds 10] [--device java] [--name NAME] [--no-build]
       scripts/bench_paired.py linear [--rounds 5] [--seconds 1] [--warmup-seconds 2] [--name NAME] [--no-build]
Writes benchmarks/results/generator-paired-<date>-<device>-<preset>[-bN][-NAME].json or
kernels-paired-<date>-linear[-NAME].json (+ .md); an earlier file is never overwritten.
"""
import argparse
import datetime
import json
import math
import os
import select
import shlex
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchinfo  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP_TIMEOUT_S = 900   # one step or one warm-up; S's first step takes ~10 s here


SIDES = []   # started processes, killed if the run fails


def fail(message, code=1):
    for side in SIDES:
        if side.proc.poll() is None:
            side.proc.kill()
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


class Side:
    """One benchmark process speaking the lockstep protocol (eim.bench.Lockstep)."""

    def __init__(self, name, argv, env, log):
        self.name, self.log = name, log
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, text=True, bufsize=1)
        SIDES.append(self)

    def expect(self, prefix):
        ready, _, _ = select.select([self.proc.stdout], [], [], STEP_TIMEOUT_S)
        line = self.proc.stdout.readline() if ready else None
        if not line:
            state = "timed out" if not ready else f"exited with code {self.proc.wait()}"
            fail(f"{self.name} {state} before answering '{prefix}' (its log: {self.log.name})")
        if not line.startswith(prefix):
            fail(f"{self.name}: expected '{prefix}...', got {line.strip()!r} (its log: {self.log.name})")
        return line[len(prefix):].strip()

    def ask(self, command):
        """Sends one command line; returns the ms of the answer."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return float(self.expect("ms "))

    def turn(self, steps):
        """Median ms of `steps` steps run back to back."""
        return statistics.median(self.ask("go") for _ in range(steps))

    def stop(self):
        self.proc.stdin.write("stop\n")
        self.proc.stdin.flush()
        code = self.proc.wait(timeout=STEP_TIMEOUT_S)
        if code != 0:
            fail(f"{self.name} exited with code {code} (its log: {self.log.name})")


def summary(values):
    values = sorted(values)
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    med = statistics.median(values)
    return {"median": round(med, 4), "q1": round(q[0], 4), "q3": round(q[2], 4), "min": round(values[0], 4),
            "max": round(values[-1], 4), "spread": round((values[-1] - values[0]) / med, 4),
            "iqr_over_median": round((q[2] - q[0]) / med, 4)}


def machine():
    return {"cpu": benchinfo.cpu_model(), "cpus": os.cpu_count()}


def results_path(stem, ext=".json"):
    """A new file under benchmarks/results (checked writable now): stem.json, else stem-2.json, ..."""
    results = os.path.join(ROOT, "benchmarks", "results")
    os.makedirs(results, exist_ok=True)
    if not os.access(results, os.W_OK):
        fail(f"{results} is not writable")
    out, n = os.path.join(results, stem + ext), 1
    while os.path.exists(out) or os.path.exists(out[:-len(ext)] + ".md"):   # never overwrite an earlier run
        n += 1
        out = os.path.join(results, f"{stem}-{n}{ext}")
    return out


def prepare(no_build):
    """JAVA_HOME and EIM_JVM_FLAGS from scripts/env.sh, PyTorch checked, the benchmarks jar built."""
    env_text = subprocess.run(["bash", "-c", '. scripts/env.sh >/dev/null && printf "%s\\n%s\\n" "$JAVA_HOME" "$EIM_JVM_FLAGS"'],
                              cwd=ROOT, capture_output=True, text=True)
    if env_text.returncode != 0:
        fail(f"scripts/env.sh failed: {env_text.stderr.strip()}")
    java_home, jvm_flags = (env_text.stdout.split("\n") + ["", ""])[:2]
    if subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True).returncode != 0:
        fail("PyTorch is missing: apt-get install -y python3-torch libopenblas0-openmp")
    if not no_build:
        built = subprocess.run(["mvn", "-B", "-q", "-ntp", "-DskipTests", "install", "-pl", "benchmarks", "-am"], cwd=ROOT)
        if built.returncode != 0:
            fail("the build failed (mvn install -pl benchmarks -am)")
    jar = os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar")
    if not os.path.exists(jar):
        fail(f"{jar} is missing: build it (mvn install -pl benchmarks -am) or drop --no-build")
    return java_home, jvm_flags, jar


def write_json(out, record):
    with open(out + ".tmp", "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)


# PyTorch's OpenMP threads spin ~3 ms after a parallel region, then sleep (ACTIVE alone spins for minutes)
TORCH_ENV = {"OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": "300000"}


def train(args):
    shape = args.preset if args.batch == 8 else f"{args.preset}-b{args.batch}"
    out = results_path(f"generator-paired-{datetime.date.today()}-{args.device.replace(':', '-')}-{shape}"
                       + (f"-{args.name}" if args.name else ""))
    java_home, jvm_flags, jar = prepare(args.no_build)

    tmp = tempfile.mkdtemp(prefix="bench-paired-")
    ours_json, torch_json = os.path.join(tmp, "ours.json"), os.path.join(tmp, "torch.json")
    ours_argv = ([os.path.join(java_home, "bin", "java")] + shlex.split(jvm_flags)
                 + ["-Xmx8g", "-Deim.bench.paired=true", f"-Deim.bench.warmupSeconds={args.warmup_seconds}",
                    "-cp", jar, "eim.bench.GeneratorBench", "--device", args.device, "--presets", args.preset,
                    "--batch", str(args.batch), "--only", "train_step", "--out", ours_json])
    torch_env = dict(os.environ, **TORCH_ENV)
    torch_argv = ["/usr/bin/python3", os.path.join(ROOT, "scripts", "bench_generator.py"), "--paired", "--only",
                  "train_step", "--shapes", args.preset, "--batch", str(args.batch), "--min-seconds",
                  str(args.warmup_seconds), "--out", torch_json]

    # warm-ups one after the other: the side that is not warming up waits on its stdin
    print(f"== ours ({args.device}) warming up; log {tmp}/ours.log", file=sys.stderr)
    ours = Side("ours", ours_argv, dict(os.environ), open(os.path.join(tmp, "ours.log"), "w"))
    ours.expect("ready")
    print(f"== PyTorch warming up; log {tmp}/torch.log", file=sys.stderr)
    torch_side = Side("PyTorch", torch_argv, torch_env, open(os.path.join(tmp, "torch.log"), "w"))
    torch_side.expect("ready")

    pairs = []
    for i in range(args.pairs):
        load = os.getloadavg()[0]
        if i % 2 == 0:   # who goes first alternates: a pair's order cannot favour one side
            o = ours.turn(args.steps_per_turn)
            t = torch_side.turn(args.steps_per_turn)
        else:
            t = torch_side.turn(args.steps_per_turn)
            o = ours.turn(args.steps_per_turn)
        pairs.append({"ours_ms": o, "pytorch_ms": t, "ratio": round(t / o, 4), "first": "ours" if i % 2 == 0 else "pytorch",
                      "load_average_1min": load})
        print(f"pair {i + 1}/{args.pairs}: ours {o:.1f} ms, PyTorch {t:.1f} ms, ratio {t / o:.3f}", file=sys.stderr)
    ours.stop()
    torch_side.stop()

    ours_records, torch_records = json.load(open(ours_json)), json.load(open(torch_json))
    def value(records, benchmark):
        return next((r["value"] for r in records if r["benchmark"] == benchmark), None)
    record = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "device": args.device, "preset": args.preset, "batch": args.batch, "pairs": args.pairs,
        "steps_per_turn": args.steps_per_turn,
        "warmup_seconds": args.warmup_seconds, "machine": machine(),
        "pytorch_env": {"OMP_WAIT_POLICY": torch_env["OMP_WAIT_POLICY"], "GOMP_SPINCOUNT": torch_env["GOMP_SPINCOUNT"],
                        "threads": next((r.get("threads") for r in torch_records), None),
                        "blas": next((r.get("blas") for r in torch_records), None),
                        "allocator": next((r.get("allocator") for r in torch_records), None),
                        "torch": next((r.get("torch") for r in torch_records), None)},
        "ours_jvm_flags": jvm_flags,
        "ratio_pytorch_over_ours": summary([p["ratio"] for p in pairs]),
        "ours_ms": summary([p["ours_ms"] for p in pairs]),
        "pytorch_ms": summary([p["pytorch_ms"] for p in pairs]),
        "peak_rss_mb": {"ours": value(ours_records, "train_step_peak_rss"),
                        "pytorch": value(torch_records, "train_step_peak_rss")},
        "ours_first_step_ms": value(ours_records, "train_step_first_call"),
        "load_average_1min": summary([p["load_average_1min"] for p in pairs]),
        "pairs_detail": pairs,
    }
    write_json(out, record)
    r = record["ratio_pytorch_over_ours"]
    print(f"{shape}: PyTorch/ours median {r['median']:.3f} (quartiles {r['q1']:.3f}-{r['q3']:.3f}, "
          f"min {r['min']:.3f}, max {r['max']:.3f}); ours {record['ours_ms']['median']:.1f} ms, "
          f"PyTorch {record['pytorch_ms']['median']:.1f} ms -> {os.path.relpath(out, ROOT)}", file=sys.stderr)



# The JMH tables' shapes (LinearBench, LinearBackwardBench): squares and the small and S presets' real shapes
LINEAR_SHAPES = {
    "linear_forward": ["256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048", "128x1536x512",
                       "256x2048x512", "256x512x2048", "512x1536x512", "512x2880x960"],
    "linear_backward_input": ["256x256x256", "512x512x512", "1024x1024x1024", "128x1536x512", "256x2048x512",
                              "256x512x2048", "512x1536x512", "512x2880x960"],
}
LINEAR_SHAPES["linear_backward_weight"] = LINEAR_SHAPES["linear_backward_input"]


def linear(args):
    out = results_path(f"kernels-paired-{datetime.date.today()}-linear" + (f"-{args.name}" if args.name else ""))
    java_home, jvm_flags, jar = prepare(args.no_build)
    tmp = tempfile.mkdtemp(prefix="bench-paired-linear-")
    print(f"== logs in {tmp}", file=sys.stderr)
    ours = Side("ours", [os.path.join(java_home, "bin", "java")] + shlex.split(jvm_flags)
                + ["-Xmx4g", "-cp", jar, "eim.bench.LinearPaired"], dict(os.environ), open(os.path.join(tmp, "ours.log"), "w"))
    peak = float(ours.expect("peak "))
    ours.expect("ready")
    torch_side = Side("PyTorch", ["/usr/bin/python3", os.path.join(ROOT, "scripts", "bench_kernels.py"), "--paired"],
                      dict(os.environ, **TORCH_ENV), open(os.path.join(tmp, "torch.log"), "w"))
    torch_side.expect("ready")

    def run(side, benchmark, shape, warm):
        return side.ask(f"run {benchmark} {shape} {warm} {args.seconds}")

    rows = []
    for benchmark, shapes in LINEAR_SHAPES.items():
        for shape in shapes:
            m, n, k = (int(v) for v in shape.split("x"))
            gflop = 2.0 * m * n * k / 1e9
            run(ours, benchmark, shape, args.warmup_seconds)   # each side's warm-up alone
            run(torch_side, benchmark, shape, args.warmup_seconds)
            rounds = []
            for r in range(args.rounds):
                load = os.getloadavg()[0]
                # a short warm-up before each span: the other side's span has just left the caches cold
                if r % 2 == 0:
                    o = run(ours, benchmark, shape, 0.2)
                    t = run(torch_side, benchmark, shape, 0.2)
                else:
                    t = run(torch_side, benchmark, shape, 0.2)
                    o = run(ours, benchmark, shape, 0.2)
                rounds.append({"ours_ms": round(o, 5), "pytorch_ms": round(t, 5), "ratio": round(t / o, 4),
                               "load_average_1min": load})
            ratio = summary([x["ratio"] for x in rounds])
            ours_ms = statistics.median(x["ours_ms"] for x in rounds)
            torch_ms = statistics.median(x["pytorch_ms"] for x in rounds)
            rows.append({"benchmark": benchmark, "shape": shape, "ratio_pytorch_ms_over_ours_ms": ratio,
                         "ours_ms": round(ours_ms, 5), "pytorch_ms": round(torch_ms, 5),
                         "ours_gflops": round(gflop / ours_ms * 1e3, 1), "pytorch_gflops": round(gflop / torch_ms * 1e3, 1),
                         "ours_pct_of_fma_peak": round(100 * gflop / ours_ms * 1e3 / peak, 1), "rounds": rounds})
            print(f"{benchmark} {shape}: ours {rows[-1]['ours_gflops']} GFLOP/s, PyTorch {rows[-1]['pytorch_gflops']}, "
                  f"ratio {ratio['median']:.2f} ({ratio['q1']:.2f}-{ratio['q3']:.2f})", file=sys.stderr)
    ours.stop()
    torch_side.stop()
    record = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(), "fma_peak_gflops": peak, "rounds": args.rounds, "seconds": args.seconds,
              "warmup_seconds": args.warmup_seconds, "ours": "java backend (LinearPaired: LinearBench's graphs)",
              "pytorch": "scripts/bench_kernels.py ops (F.linear, dy @ W, dy.T @ x + dy.sum(0)), 2 threads",
              "pytorch_env": TORCH_ENV, "ours_jvm_flags": jvm_flags, "results": rows}
    write_json(out, record)
    lines = ["| benchmark | shape | ours GFLOP/s | PyTorch GFLOP/s | ratio (median of rounds) | quartiles | % of FMA peak |",
             "|---|---|---:|---:|---:|---|---:|"]
    for r in rows:
        q = r["ratio_pytorch_ms_over_ours_ms"]
        lines.append(f"| {r['benchmark']} | {r['shape']} | {r['ours_gflops']} | {r['pytorch_gflops']} | "
                     f"{q['median']:.2f}x | {q['q1']:.2f}-{q['q3']:.2f} | {r['ours_pct_of_fma_peak']}% |")
    lines.append(f"\nFMA probe (all cores) in the same run: {peak:.1f} GFLOP/s. {args.rounds} rounds of {args.seconds} s per side "
                 f"and shape, order alternating; ratio = PyTorch's ms / ours per round.")
    with open(out[:-5] + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines), file=sys.stderr)
    print(f"-> {os.path.relpath(out, ROOT)}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="training steps, ours vs the authors' code path")
    t.add_argument("--preset", default="s", help="generator preset (tiny, small, s)")
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--pairs", type=int, default=20, help="turns per side")
    t.add_argument("--steps-per-turn", type=int, default=1,
                   help="steps a side runs per turn, their median its time (tiny's 0.1 s steps: 10)")
    t.add_argument("--warmup-seconds", type=float, default=10.0, help="each side's warm-up, run alone")
    t.add_argument("--device", default="java", help="our --device (java or tornado[:N])")
    li = sub.add_parser("linear", help="Linear kernels, ours (java backend) vs PyTorch's ops")
    li.add_argument("--rounds", type=int, default=5, help="timed spans per side and shape")
    li.add_argument("--seconds", type=float, default=1.0, help="one timed span")
    li.add_argument("--warmup-seconds", type=float, default=2.0, help="each side's warm-up per shape, run alone")
    for p in (t, li):
        p.add_argument("--name", default="", help="suffix of the results file")
        p.add_argument("--no-build", action="store_true", help="use the benchmarks jar as built")
    args = parser.parse_args()
    if args.name and not all(c.isalnum() or c in "-_." for c in args.name):
        parser.error(f"--name: letters, digits, '-', '_' and '.' only, got {args.name!r}")
    if not (args.warmup_seconds >= 0 and math.isfinite(args.warmup_seconds)):
        parser.error(f"--warmup-seconds: must be a finite number >= 0, got {args.warmup_seconds}")
    if args.command == "train":
        if args.preset not in ("tiny", "small", "s"):
            parser.error(f"--preset: expected tiny, small or s, got {args.preset!r}")
        if args.batch < 1 or args.pairs < 1 or args.steps_per_turn < 1:
            parser.error("--batch, --pairs and --steps-per-turn must be positive integers")
        train(args)
    else:
        if args.rounds < 1 or not (args.seconds > 0 and math.isfinite(args.seconds)):
            parser.error("--rounds must be a positive integer and --seconds a positive number")
        linear(args)

if __name__ == "__main__":
    main()

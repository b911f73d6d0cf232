#!/usr/bin/env python3
"""Ours vs PyTorch, one training step at a time: paired steps on a shared machine.

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

Usage: scripts/bench_paired.py [--preset s] [--batch 8] [--pairs 20] [--steps-per-turn 1] [--warmup-seconds 10]
       [--device java] [--name NAME] [--no-build]
Writes benchmarks/results/generator-paired-<date>-<device>-<preset>[-bN][-NAME].json (never overwrites).
"""
import argparse
import datetime
import json
import os
import select
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

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

    def turn(self, steps):
        """Median ms of `steps` steps run back to back."""
        times = []
        for _ in range(steps):
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            times.append(float(self.expect("ms ")))
        return statistics.median(times)

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
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": model, "cpus": os.cpu_count()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="s", help="generator preset (tiny, small, s)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=20, help="turns per side")
    parser.add_argument("--steps-per-turn", type=int, default=1,
                        help="steps a side runs per turn, their median its time (tiny's 0.1 s steps: 10)")
    parser.add_argument("--warmup-seconds", type=float, default=10.0, help="each side's warm-up, run alone")
    parser.add_argument("--device", default="java", help="our --device (java or tornado[:N])")
    parser.add_argument("--name", default="", help="suffix of the results file")
    parser.add_argument("--no-build", action="store_true", help="use the benchmarks jar as built")
    args = parser.parse_args()
    if args.preset not in ("tiny", "small", "s"):
        parser.error(f"--preset: expected tiny, small or s, got {args.preset!r}")
    if args.batch < 1 or args.pairs < 1 or args.steps_per_turn < 1:
        parser.error("--batch, --pairs and --steps-per-turn must be positive integers")
    if not args.warmup_seconds >= 0:
        parser.error(f"--warmup-seconds: must be >= 0, got {args.warmup_seconds}")
    if args.name and not all(c.isalnum() or c in "-_." for c in args.name):
        parser.error(f"--name: letters, digits, '-', '_' and '.' only, got {args.name!r}")

    results = os.path.join(ROOT, "benchmarks", "results")
    os.makedirs(results, exist_ok=True)
    if not os.access(results, os.W_OK):
        fail(f"{results} is not writable")
    shape = args.preset if args.batch == 8 else f"{args.preset}-b{args.batch}"
    stem = os.path.join(results, f"generator-paired-{datetime.date.today()}-{args.device.replace(':', '-')}-{shape}"
                        + (f"-{args.name}" if args.name else ""))
    out, n = stem + ".json", 1
    while os.path.exists(out):   # an earlier run's file is never overwritten
        n += 1
        out = f"{stem}-{n}.json"

    env_text = subprocess.run(["bash", "-c", '. scripts/env.sh >/dev/null && printf "%s\\n%s\\n" "$JAVA_HOME" "$EIM_JVM_FLAGS"'],
                              cwd=ROOT, capture_output=True, text=True)
    if env_text.returncode != 0:
        fail(f"scripts/env.sh failed: {env_text.stderr.strip()}")
    java_home, jvm_flags = (env_text.stdout.split("\n") + ["", ""])[:2]
    if subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True).returncode != 0:
        fail("PyTorch is missing: apt-get install -y python3-torch libopenblas0-openmp")
    if not args.no_build:
        built = subprocess.run(["mvn", "-B", "-q", "-ntp", "-DskipTests", "install", "-pl", "benchmarks", "-am"], cwd=ROOT)
        if built.returncode != 0:
            fail("the build failed (mvn install -pl benchmarks -am)")
    jar = os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar")
    if not os.path.exists(jar):
        fail(f"{jar} is missing: build it (mvn install -pl benchmarks -am) or drop --no-build")

    tmp = tempfile.mkdtemp(prefix="bench-paired-")
    ours_json, torch_json = os.path.join(tmp, "ours.json"), os.path.join(tmp, "torch.json")
    ours_argv = ([os.path.join(java_home, "bin", "java")] + shlex.split(jvm_flags)
                 + ["-Xmx8g", "-Deim.bench.paired=true", f"-Deim.bench.warmupSeconds={args.warmup_seconds}",
                    "-cp", jar, "eim.bench.GeneratorBench", "--device", args.device, "--presets", args.preset,
                    "--batch", str(args.batch), "--only", "train_step", "--out", ours_json])
    torch_env = dict(os.environ, OMP_WAIT_POLICY="ACTIVE", GOMP_SPINCOUNT="300000")
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
    with open(out + ".tmp", "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)
    r = record["ratio_pytorch_over_ours"]
    print(f"{shape}: PyTorch/ours median {r['median']:.3f} (quartiles {r['q1']:.3f}-{r['q3']:.3f}, "
          f"min {r['min']:.3f}, max {r['max']:.3f}); ours {record['ours_ms']['median']:.1f} ms, "
          f"PyTorch {record['pytorch_ms']['median']:.1f} ms -> {os.path.relpath(out, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

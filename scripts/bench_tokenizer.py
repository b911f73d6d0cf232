"""Tokenizer forward benchmark: encode and decode time per image, ours (java backend) vs PyTorch CPU,
alternating: R rounds of [ours, PyTorch], each side timing --reps passes after untimed ones (ours:
at least 3 s of them, for the JVM's JIT; PyTorch: one) (median per round); the result is the median over the rounds with the spread ((max - min) / median)
and the load average before each side. Writes benchmarks/results/tokenizer-<date>[-bN].json in the
results format (records {benchmark, shape, backend, unit, ours, pytorch, higher_is_better, date,
machine, ...}) plus a .md table.

  /usr/bin/python3 scripts/bench_tokenizer.py [--presets mini,small,official] [--batch 1] [--rounds 5]
      [--reps 3] [--official-reps 1] [--out FILE]

Ours: eim.runtime.tokenizer.TokenizerBenchmark (a new JVM per round; it prints each preset's config,
from which the PyTorch side builds the plain-torch port of the authors' modules in
scripts/golden/tokenizer_golden.py). PyTorch runs with 2 threads (this machine's cores) under
torch.no_grad(), the authors' inference path, in a child process per round (so that its spinning
OpenMP threads never run beside our side).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import benchinfo  # noqa: E402
MALLOC_CHOICE = benchinfo.keep_freed_memory()   # may re-execute this script
OPENBLAS_CHOICE = benchinfo.prefer_avx512_openblas()   # before torch loads OpenBLAS (the PyTorch worker inherits it)
import torch  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts", "golden"))
import tokenizer_golden  # noqa: E402

JAVA_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"]


def java_home():
    for c in (os.environ.get("JAVA_HOME", ""), "/usr/lib/jvm/temurin-25-jdk-amd64"):
        if c and os.path.exists(os.path.join(c, "bin", "java")):
            return c
    sys.exit("Java 25 not found: set JAVA_HOME")


def build_ours():
    env = dict(os.environ, JAVA_HOME=java_home())
    subprocess.run(["mvn", "-q", "-ntp", "-DskipTests", "install", "-pl", "runtime", "-am"], cwd=ROOT, env=env,
                   check=True)


def ours(presets, reps, batch):
    jar = os.path.join(ROOT, "runtime", "target", "eim.jar")
    env = dict(os.environ, JAVA_HOME=java_home())
    out = subprocess.run([os.path.join(env["JAVA_HOME"], "bin", "java"), *JAVA_FLAGS, "-XX:+UseParallelGC",
                          "-XX:MaxNewSize=512m", "-Xmx16g", "-cp", jar, "eim.runtime.tokenizer.TokenizerBenchmark",
                          "--reps", str(reps), "--batch", str(batch), *presets],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def torch_config(meta):
    ints = lambda s: tuple(int(v) for v in s.split(",") if v)  # noqa: E731
    return dict(resolution=int(meta["resolution"]), in_channels=int(meta["in_channels"]), ch=int(meta["ch"]),
                ch_mult=ints(meta["ch_mult"]), num_res_blocks=int(meta["num_res_blocks"]),
                attn_resolutions=ints(meta["attn_resolutions"]), z_channels=int(meta["z_channels"]),
                embed_dim=int(meta["embed_dim"]), groups=int(meta["groups"]))


def pytorch(meta, reps, batch):
    """Median ms per image of encode and decode over reps passes after one untimed pass, measured in
    a child process: PyTorch's OpenMP threads spin between parallel regions (OMP_WAIT_POLICY=ACTIVE,
    its fastest setting), and spinning in this process would take a core from our side's run."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--pytorch-worker",
                          json.dumps({"config": meta, "reps": reps, "batch": batch})],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return r["encode_ms"], r["decode_ms"]


def pytorch_worker(job):
    torch.set_num_threads(2)
    cfg = torch_config(job["config"])
    reps, batch = job["reps"], job["batch"]
    model = tokenizer_golden.Tokenizer(cfg).eval()
    res = cfg["resolution"]
    x = torch.rand(batch, 3, res, res) * 2 - 1
    with torch.no_grad():
        z = model.encode(x)
        model.decode(z)
        enc, dec = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            z = model.encode(x)
            t1 = time.perf_counter()
            model.decode(z)
            t2 = time.perf_counter()
            enc.append((t1 - t0) * 1e3 / batch)
            dec.append((t2 - t1) * 1e3 / batch)
    print(json.dumps({"encode_ms": statistics.median(enc), "decode_ms": statistics.median(dec)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", default="mini,small,official")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of ours then PyTorch")
    ap.add_argument("--reps", type=int, default=3, help="timed passes per side and round")
    ap.add_argument("--official-reps", type=int, default=1, help="timed passes for the official preset (seconds each)")
    ap.add_argument("--out")
    a = ap.parse_args()
    if min(a.batch, a.rounds, a.reps, a.official_reps) < 1:
        ap.error("--batch, --rounds, --reps and --official-reps must be positive")
    out = a.out or os.path.join(ROOT, "benchmarks", "results", "tokenizer-%s%s.json"
                                % (datetime.date.today(), "" if a.batch == 1 else "-b%d" % a.batch))
    presets = a.presets.split(",")
    build_ours()
    series = {}   # (preset, side, bench) -> per-round medians
    loads = {"ours": [], "pytorch": []}
    metas = {}
    for rnd in range(a.rounds):
        loads["ours"].append(os.getloadavg()[0])
        mine = ours([p for p in presets if p != "official"], a.reps, a.batch) if presets != ["official"] else []
        if "official" in presets:
            mine += ours(["official"], a.official_reps, a.batch)
        loads["pytorch"].append(os.getloadavg()[0])
        for m in mine:
            metas[m["preset"]] = m
            enc, dec = pytorch(m["config"], m["reps"], a.batch)
            for bench, our, theirs in (("tokenizer_encode", m["encode_ms"], enc), ("tokenizer_decode", m["decode_ms"], dec)):
                series.setdefault((m["preset"], bench, "ours"), []).append(our)
                series.setdefault((m["preset"], bench, "pytorch"), []).append(theirs)
            print("round %d/%d %-9s batch %d: encode %9.1f ms/img (pytorch %8.1f)  decode %9.1f ms/img (pytorch %8.1f)"
                  % (rnd + 1, a.rounds, m["preset"], a.batch, m["encode_ms"], enc, m["decode_ms"], dec), flush=True)
    machine = {"cpu": benchinfo.cpu_model(), "cores": os.cpu_count(), "torch": torch.__version__,
               "torch_threads": 2, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "blas": benchinfo.loaded_blas(), "openblas_coretype": OPENBLAS_CHOICE, "allocator": MALLOC_CHOICE, "mkldnn": torch.backends.mkldnn.is_available(),
               "load_average_1min_before": loads}
    date = datetime.datetime.now().isoformat(timespec="seconds")
    records = []
    for preset, m in metas.items():
        for bench in ("tokenizer_encode", "tokenizer_decode"):
            o, p = series[(preset, bench, "ours")], series[(preset, bench, "pytorch")]
            records.append({"benchmark": bench, "shape": "%s %s b%d" % (preset, m["size"], a.batch),
                            "backend": m["device"], "unit": "ms/img", "ours": round(statistics.median(o), 2),
                            "pytorch": round(statistics.median(p), 2), "higher_is_better": False,
                            "ours_spread": round(spread(o), 3), "pytorch_spread": round(spread(p), 3),
                            "ours_rounds": [round(v, 2) for v in o], "pytorch_rounds": [round(v, 2) for v in p],
                            "rounds": a.rounds, "reps_per_round": m["reps"], "batch": a.batch, "date": date,
                            "machine": dict(machine, java_threads=m["threads"], parameters=m["parameters"])})
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    with open(os.path.splitext(out)[0] + ".md", "w") as f:
        f.write("| benchmark | shape | ours (ms/img) | spread | PyTorch CPU (ms/img) | spread | PyTorch / ours |\n"
                "|---|---|---:|---:|---:|---:|---:|\n")
        for r in records:
            f.write("| %s | %s | %.1f | %.0f%% | %.1f | %.0f%% | %.2fx |\n" % (
                r["benchmark"], r["shape"], r["ours"], 100 * r["ours_spread"], r["pytorch"], 100 * r["pytorch_spread"],
                r["pytorch"] / r["ours"]))
        f.write("\nMedian over %d alternating rounds (ours, then PyTorch), each the median of %d passes (official: %d)"
                " after untimed ones (ours: 3 s or more, PyTorch: one); forward only; machine %s.\n"
                % (a.rounds, a.reps, a.official_reps, json.dumps(machine)))
    for r in records:
        print("%-17s %-24s ours %9.1f ms/img (spread %3.0f%%)  pytorch %9.1f (spread %3.0f%%)  %.2fx"
              % (r["benchmark"], r["shape"], r["ours"], 100 * r["ours_spread"], r["pytorch"],
                 100 * r["pytorch_spread"], r["pytorch"] / r["ours"]))
    print("wrote", os.path.relpath(out, ROOT))


def spread(v):
    return (max(v) - min(v)) / statistics.median(v)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--pytorch-worker":
        pytorch_worker(json.loads(sys.argv[2]))
    else:
        main()

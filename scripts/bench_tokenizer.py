"""Tokenizer forward benchmark: encode and decode time per image, ours (java backend) vs PyTorch CPU,
in one run. Writes benchmarks/results/tokenizer-<date>.json in the results format (records
{benchmark, shape, backend, unit, ours, pytorch, higher_is_better, date, machine}) plus a .md table.

  /usr/bin/python3 scripts/bench_tokenizer.py [--presets mini,small,official] [--reps 3] [--out FILE]

Ours: eim.runtime.tokenizer.TokenizerBenchmark (batch 1, best of --reps, or --official-reps for the
official preset, after one untimed pass);
it prints each preset's config, from which the PyTorch side builds the plain-torch port of the
authors' modules in scripts/golden/tokenizer_golden.py. The machine may be shared: the record
holds the load average, the BLAS library and the thread counts."""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "golden"))
import tokenizer_golden  # noqa: E402

JAVA_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"]


def java_home():
    for c in (os.environ.get("JAVA_HOME", ""), "/usr/lib/jvm/temurin-25-jdk-amd64"):
        if c and os.path.exists(os.path.join(c, "bin", "java")):
            return c
    sys.exit("Java 25 not found: set JAVA_HOME")


def ours(presets, reps):
    jar = os.path.join(ROOT, "runtime", "target", "eim.jar")
    env = dict(os.environ, JAVA_HOME=java_home())
    subprocess.run(["mvn", "-q", "-ntp", "-DskipTests", "package", "-pl", "runtime", "-am"], cwd=ROOT, env=env,
                   check=True)
    out = subprocess.run([os.path.join(env["JAVA_HOME"], "bin", "java"), *JAVA_FLAGS, "-Xmx12g", "-cp", jar,
                          "eim.runtime.tokenizer.TokenizerBenchmark", "--reps", str(reps), *presets],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def torch_config(meta):
    ints = lambda s: tuple(int(v) for v in s.split(",") if v)  # noqa: E731
    return dict(resolution=int(meta["resolution"]), in_channels=int(meta["in_channels"]), ch=int(meta["ch"]),
                ch_mult=ints(meta["ch_mult"]), num_res_blocks=int(meta["num_res_blocks"]),
                attn_resolutions=ints(meta["attn_resolutions"]), z_channels=int(meta["z_channels"]),
                embed_dim=int(meta["embed_dim"]), groups=int(meta["groups"]))


def pytorch(meta, reps):
    cfg = torch_config(meta)
    model = tokenizer_golden.Tokenizer(cfg).eval()
    res = cfg["resolution"]
    x = torch.rand(1, 3, res, res) * 2 - 1
    with torch.no_grad():
        z = model.encode(x)
        model.decode(z)
        enc = dec = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            z = model.encode(x)
            t1 = time.perf_counter()
            model.decode(z)
            t2 = time.perf_counter()
            enc, dec = min(enc, (t1 - t0) * 1e3), min(dec, (t2 - t1) * 1e3)
    return enc, dec


def blas():
    try:
        return os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", default="mini,small,official")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--official-reps", type=int, default=1, help="timed passes for the official preset (minutes each)")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results",
                                                  "tokenizer-%s.json" % datetime.date.today()))
    a = ap.parse_args()
    torch.set_num_threads(2)
    presets = a.presets.split(",")
    mine = ours([p for p in presets if p != "official"], a.reps)
    if "official" in presets:
        mine += ours(["official"], a.official_reps)
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "load_average": os.getloadavg(), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
               "blas": blas(), "mkldnn": torch.backends.mkldnn.is_available()}
    date = datetime.datetime.now().isoformat(timespec="seconds")
    records = []
    for m in mine:
        enc, dec = pytorch(m["config"], m["reps"])
        shape = "%s %s" % (m["preset"], m["size"])
        machine_m = dict(machine, java_threads=m["threads"], parameters=m["parameters"], reps=m["reps"])
        for bench, our, theirs in (("tokenizer_encode", m["encode_ms"], enc), ("tokenizer_decode", m["decode_ms"], dec)):
            records.append({"benchmark": bench, "shape": shape, "backend": m["device"], "unit": "ms/img",
                            "ours": round(our, 2), "pytorch": round(theirs, 2), "higher_is_better": False,
                            "date": date, "machine": machine_m})
        print("%-20s encode %9.1f ms (pytorch %8.1f)  decode %9.1f ms (pytorch %8.1f)"
              % (shape, m["encode_ms"], enc, m["decode_ms"], dec), flush=True)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    with open(os.path.splitext(a.out)[0] + ".md", "w") as f:
        f.write("| benchmark | shape | ours (ms/img) | PyTorch CPU (ms/img) | PyTorch / ours |\n|---|---|---|---|---|\n")
        for r in records:
            f.write("| %s | %s | %.1f | %.1f | %.2f |\n" % (r["benchmark"], r["shape"], r["ours"], r["pytorch"],
                                                           r["pytorch"] / r["ours"]))
        f.write("\nBatch 1, forward only, best of %d passes (official: %d) after one untimed pass; machine %s.\n"
                % (a.reps, a.official_reps, json.dumps(machine)))
    print("wrote", os.path.relpath(a.out, ROOT))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Is there a faster PyTorch than the authors' path for the official tokenizer? Times encode and
decode (256x256, batch 1, 2 threads, no grad) of the plain-torch port of their modules
(scripts/golden/tokenizer_golden.py) three ways, alternating over --rounds rounds of --reps passes
each (median per round, one untimed pass per variant and round first):
  eager        the authors' path, NCHW (scripts/bench_tokenizer.py's baseline);
  channels_last  model and input in torch.channels_last (oneDNN's preferred layout);
  jit          torch.jit.trace + freeze + optimize_for_inference (inference-mode fusions).
Writes results records (ms/img, lower is better; "pytorch" holds the variant, "ours" is null:
this compares PyTorch with itself) to --out, refused if it exists.
Usage: OMP_WAIT_POLICY=ACTIVE /usr/bin/python3 scripts/pytorch_tokenizer_variants.py --out FILE
       [--rounds 3] [--reps 3]
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import benchinfo  # noqa: E402
MALLOC_CHOICE = benchinfo.keep_freed_memory()   # may re-execute this script
OPENBLAS_CHOICE = benchinfo.prefer_avx512_openblas()
import torch  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts", "golden"))
import tokenizer_golden  # noqa: E402

OFFICIAL = dict(resolution=256, in_channels=3, ch=128, ch_mult=(1, 1, 2, 4, 4), num_res_blocks=2,
                attn_resolutions=(16,), z_channels=256, embed_dim=256, groups=32)


class _Half(torch.nn.Module):
    """The tokenizer's encode or decode as a module's forward, for torch.jit.trace."""
    def __init__(self, model, decode):
        super().__init__()
        self.model, self.decode = model, decode

    def forward(self, t):
        return self.model.decode(t) if self.decode else self.model.encode(t)


def variants(model, x):
    """name -> (encode, decode, input) callables."""
    eager = (model.encode, model.decode, x)
    last = tokenizer_golden.Tokenizer(OFFICIAL).eval()
    last.load_state_dict(model.state_dict())
    last = last.to(memory_format=torch.channels_last)
    cl = (last.encode, last.decode, x.contiguous(memory_format=torch.channels_last))
    with torch.no_grad():
        z = model.encode(x)
        enc = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(_Half(model, False).eval(), x)))
        dec = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(_Half(model, True).eval(), z)))
        if not torch.allclose(enc(x), z, atol=1e-4, rtol=1e-4):
            sys.exit("jit variant: encode differs from eager")
    return {"eager": eager, "channels_last": cl, "jit": (enc, dec, x)}


def time_variant(enc, dec, x, reps):
    with torch.no_grad():
        dec(enc(x))
        e, d = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            z = enc(x)
            t1 = time.perf_counter()
            dec(z)
            t2 = time.perf_counter()
            e.append((t1 - t0) * 1e3)
            d.append((t2 - t1) * 1e3)
    return statistics.median(e), statistics.median(d)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.rounds < 1 or a.reps < 1:
        ap.error("--rounds and --reps must be positive")
    if os.path.exists(a.out):
        ap.error(f"--out {a.out}: exists; choose another name")
    if not os.access(os.path.dirname(os.path.abspath(a.out)), os.W_OK):
        ap.error(f"--out {a.out}: directory not writable")
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = tokenizer_golden.Tokenizer(OFFICIAL).eval()
    x = torch.rand(1, 3, 256, 256) * 2 - 1
    runs = variants(model, x)
    series = {name: {"encode": [], "decode": []} for name in runs}
    for rnd in range(a.rounds):
        for name, (enc, dec, xin) in runs.items():
            e, d = time_variant(enc, dec, xin, a.reps)
            series[name]["encode"].append(e)
            series[name]["decode"].append(d)
            print(f"round {rnd + 1}/{a.rounds} {name:14s} encode {e:7.1f} ms  decode {d:7.1f} ms", flush=True)
    machine = {"cpu": benchinfo.cpu_model(), "cores": os.cpu_count(), "torch": torch.__version__, "torch_threads": 2,
               "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "blas": benchinfo.loaded_blas(),
               "openblas_coretype": OPENBLAS_CHOICE, "allocator": MALLOC_CHOICE,
               "load_average_1min": os.getloadavg()[0]}
    date = datetime.datetime.now().isoformat(timespec="seconds")
    records = []
    for name, s in series.items():
        for bench in ("encode", "decode"):
            v = s[bench]
            records.append({"benchmark": f"tokenizer_{bench}_pytorch_{name}", "shape": "official 256x256 b1",
                            "backend": "pytorch", "unit": "ms/img", "ours": None,
                            "pytorch": round(statistics.median(v), 2), "higher_is_better": False,
                            "pytorch_rounds": [round(t, 2) for t in v],
                            "pytorch_spread": round((max(v) - min(v)) / statistics.median(v), 3),
                            "rounds": a.rounds, "reps_per_round": a.reps, "date": date, "machine": machine})
    with open(a.out, "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    for r in records:
        print(f"{r['benchmark']:40s} {r['pytorch']:8.1f} ms (spread {100 * r['pytorch_spread']:.0f}%)")
    print("wrote", os.path.relpath(a.out, ROOT))


if __name__ == "__main__":
    main()

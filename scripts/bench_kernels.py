"""PyTorch CPU peers of the JMH kernel benchmarks, measured in the same run (BenchMain calls this).

Usage: bench_kernels.py SPEC.json OUT.json
       bench_kernels.py --paired   (scripts/bench_paired.py linear: prints "ready", then answers each
                                    "run <benchmark> <shape> <warm-up s> <timed s>" with "ms <mean per call>")
  SPEC: [{"benchmark": "linear_forward", "shape": "1024x1024x1024"}, ...] (names as the JMH methods)
  OUT:  {"machine": {...}, "results": [{"benchmark", "shape", "seconds", "seconds_1_thread"}]}: mean
        seconds per call, timed as JMH does here (1 s warm-up, then the mean of three 1 s iterations),
        with 2 threads (the reference figure) and again with 1 thread: on a loaded machine OpenMP's
        2-thread barriers can cost more than the op itself, and the 1-thread figure shows it.
Each benchmark is the op PyTorch (or the authors' code) uses for the same thing: F.linear, dy @ W,
dy.T @ x with dy.sum(0), the authors' masked full attention (their code without SDPA), F.layer_norm,
the tokenizer's reflect-padded conv2d and its AttnBlock's bmm-softmax-bmm.
Runs with torch.set_num_threads(2) under no_grad; the BLAS library actually loaded is recorded.
"""
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchinfo  # noqa: E402
MALLOC_CHOICE = benchinfo.keep_freed_memory()   # may re-execute this script
OPENBLAS_CHOICE = benchinfo.prefer_avx512_openblas()   # before torch loads OpenBLAS
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

WINDOW = 3  # the generator's cond_length, as WindowedAttentionBench
# EIM_TORCH_DEVICE=cuda times PyTorch on the GPU (scripts/gpu-check.sh); default: the CPU
DEV = torch.device(os.environ.get("EIM_TORCH_DEVICE", "cpu"))


def randn(*size):
    return torch.randn(*size, device=DEV)


def dims(shape, count):
    d = [int(v) for v in shape.split("x")]
    if len(d) != count:
        raise ValueError(f"shape {shape!r} must have {count} dimensions")
    return d


def linear_forward(shape):
    m, n, k = dims(shape, 3)
    x, w, b = randn(m, k), randn(n, k), randn(n)
    return lambda: F.linear(x, w, b)


def linear_backward_input(shape):
    m, n, k = dims(shape, 3)
    dy, w = randn(m, n), randn(n, k)
    return lambda: torch.mm(dy, w)


def linear_backward_weight(shape):
    m, n, k = dims(shape, 3)
    dy, x = randn(m, n), randn(m, k)
    return lambda: (torch.mm(dy.t(), x), dy.sum(0))


def window_attention_forward(shape):
    """The authors' MaskedAttention without fused SDPA: full L x L scores, window mask, softmax."""
    b, l, h, hd = dims(shape, 4)
    qkv = randn(b, l, 3 * h * hd)
    i = torch.arange(l, device=DEV)
    mask = (i[None, :] <= i[:, None]) & (i[None, :] >= i[:, None] - WINDOW)
    scale = hd ** -0.5

    def run():
        q, k, v = qkv.reshape(b, l, 3, h, hd).permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q * scale) @ k.transpose(-2, -1)
        attn = attn.masked_fill(~mask[None, None, :, :], float("-inf")).softmax(dim=-1)
        return (attn @ v).transpose(1, 2).reshape(b, l, h * hd)

    return run


def conv2d_forward(shape):
    """The authors' nn.Conv2d(padding=K // 2, padding_mode="reflect"): F.pad reflect, then conv2d."""
    b, cin, cout, h, w, k = dims(shape, 6)
    x, weight, bias = randn(b, cin, h, w), randn(cout, cin, k, k), randn(cout)
    p = k // 2
    if p == 0:
        return lambda: F.conv2d(x, weight, bias)
    return lambda: F.conv2d(F.pad(x, (p, p, p, p), mode="reflect"), weight, bias)


def spatial_attention_forward(shape):
    """The authors' AttnBlock core: softmax(qᵀk · C^-1/2) over pixels, then v · Pᵀ (two bmm)."""
    b, c, n = dims(shape, 3)
    q, k, v = randn(b, c, n), randn(b, c, n), randn(b, c, n)

    def run():
        w_ = torch.softmax(torch.bmm(q.permute(0, 2, 1), k) * (int(c) ** (-0.5)), dim=2)
        return torch.bmm(v, w_.permute(0, 2, 1))

    return run


def layernorm_forward(shape):
    rows, d = dims(shape, 2)
    x, w, b = randn(rows, d), randn(d), randn(d)
    return lambda: F.layer_norm(x, (d,), w, b, 1e-6)


OPS = {f.__name__: f for f in (linear_forward, linear_backward_input, linear_backward_weight,
                                window_attention_forward, layernorm_forward, conv2d_forward,
                                spatial_attention_forward)}


def seconds_per_call(fn, warmup_s=1.0, iterations=3, iteration_s=1.0):
    if DEV.type == "cuda":
        op = fn

        def fn():
            op()
            torch.cuda.synchronize()
    end = time.perf_counter() + warmup_s
    while time.perf_counter() < end:
        fn()
    means = []
    for _ in range(iterations):
        calls, t0 = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= iteration_s:
                break
        means.append(elapsed / calls)
    return sum(means) / len(means)


def paired():
    """Lockstep mode: one op at a time on the coordinator's command (GeneratorBench's protocol)."""
    torch.set_num_threads(2)
    torch.manual_seed(0)
    print("ready", flush=True)
    key, op = None, None
    with torch.no_grad():
        for line in sys.stdin:
            f = line.split()
            if f == ["stop"]:
                break
            if len(f) != 5 or f[0] != "run" or f[1] not in OPS:
                sys.exit(f"error: --paired: expected 'run <benchmark> <shape> <warm-up s> <timed s>', got {line.strip()!r}")
            if (f[1], f[2]) != key:
                key, op = (f[1], f[2]), OPS[f[1]](f[2])
            s = seconds_per_call(op, warmup_s=float(f[3]), iterations=1, iteration_s=float(f[4]))
            print(f"ms {s * 1e3:.6f}", flush=True)


def main():
    if sys.argv[1:] == ["--paired"]:
        paired()
        return
    if len(sys.argv) != 3:
        sys.exit("usage: bench_kernels.py SPEC.json OUT.json | bench_kernels.py --paired")
    torch.set_num_threads(2)
    torch.manual_seed(0)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    results = []
    with torch.no_grad():
        for item in spec:
            name, shape = item["benchmark"], item["shape"]
            if name not in OPS:
                print(f"bench_kernels.py: no PyTorch peer for {name}; skipped", file=sys.stderr)
                continue
            op = OPS[name](shape)
            s = seconds_per_call(op)
            torch.set_num_threads(1)
            s1 = seconds_per_call(op)
            torch.set_num_threads(2)
            print(f"pytorch {name} {shape}: {s * 1e3:.3f} ms (1 thread: {s1 * 1e3:.3f} ms)", file=sys.stderr)
            results.append({"benchmark": name, "shape": shape, "seconds": s, "seconds_1_thread": s1})
    blas = benchinfo.loaded_blas()
    machine = {
        "cpu": benchinfo.cpu_model(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "blas": ", ".join(blas) if blas else "unknown",
        "openblas_coretype": OPENBLAS_CHOICE,
        "allocator": MALLOC_CHOICE,
        "torch_blas_info": next((p.strip() for p in torch.__config__.show().split(",") if "BLAS_INFO" in p), ""),
        "load_average": list(os.getloadavg()),
        "torch_device": str(DEV) + (f" ({torch.cuda.get_device_name(0)})" if DEV.type == "cuda" else ""),
    }
    with open(sys.argv[2], "w") as f:
        json.dump({"machine": machine, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()

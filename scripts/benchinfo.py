"""What a benchmark record says about the machine, and the PyTorch baseline's setup: the CPU (with
its family, as "AMD EPYC" alone names both Zen 4 and Zen 5), the BLAS PyTorch loaded with
OpenBLAS's kernel set (0.3.21 picks its AVX2 "Haswell" set on Zen 5, about half as fast as its
AVX-512 "Cooperlake" one), and glibc malloc kept from returning freed memory to the kernel."""
import ctypes
import os
import platform
import subprocess
import sys

# AMD families by the cpuid "cpu family" field; Zen 3 and Zen 4 share family 25 (Zen 4 has AVX-512)
_AMD = {23: "Zen/Zen 2", 25: "Zen 3", 26: "Zen 5"}


def _cpuinfo():
    """The first processor's fields of /proc/cpuinfo ({} where there is none)."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break                      # the first processor's block is enough
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_model():
    """'AMD EPYC (family 26 model 2, Zen 5, AVX-512)' from /proc/cpuinfo, else what platform knows."""
    fields = _cpuinfo()
    if not fields:
        return platform.processor() or platform.machine()
    name = fields.get("model name", platform.machine())
    family, model = fields.get("cpu family"), fields.get("model")
    avx512 = "avx512f" in fields.get("flags", "").split()
    detail = [f"family {family} model {model}"] if family else []
    if fields.get("vendor_id") == "AuthenticAMD" and family and family.isdigit():
        arch = _AMD.get(int(family))
        if int(family) == 25 and avx512:
            arch = "Zen 4"
        if arch:
            detail.append(arch)
    detail.append("AVX-512" if avx512 else "no AVX-512")
    return f"{name} ({', '.join(detail)})"


def loaded_blas():
    """BLAS libraries mapped into this process once torch ran a matmul, each OpenBLAS with the
    kernel set it chose, e.g. '/usr/lib/.../libopenblasp-r0.3.21.so (core Cooperlake)'."""
    import torch   # loaded by the caller already; a matmul maps the BLAS
    torch.mm(torch.randn(64, 64), torch.randn(64, 64))
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            base = os.path.basename(path).lower()
            if "blas" in base or "mkl" in base:
                libs.add(os.path.realpath(path))
    described = []
    for lib in sorted(libs):
        core = ""
        if "openblas" in os.path.basename(lib):
            try:
                handle = ctypes.CDLL(lib, mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL)   # the copy already loaded
                handle.openblas_get_corename.restype = ctypes.c_char_p
                core = f" (core {handle.openblas_get_corename().decode()})"
            except (OSError, AttributeError):
                pass
        described.append(lib + core)
    return described


# OpenBLAS kernel sets with AVX-512 (0.3.21's names)
_AVX512_CORES = {"SkylakeX", "Cooperlake", "SapphireRapids"}
_CORENAME = ("import ctypes, sys; l = ctypes.CDLL(sys.argv[1]); l.openblas_get_corename.restype = ctypes.c_char_p; "
             "print(l.openblas_get_corename().decode())")


def prefer_avx512_openblas(lib="/usr/lib/x86_64-linux-gnu/libopenblas.so.0"):
    """Call before importing torch. On a CPU with AVX-512 where OpenBLAS would run an AVX2 kernel set,
    chosen by itself or by an OPENBLAS_CORETYPE in the environment (this sandbox sets "Haswell"),
    sets OPENBLAS_CORETYPE to its AVX-512 set: on Zen 5, 0.3.21's "Haswell" runs PyTorch's GEMMs at
    ~205 GFLOP/s on 2 cores and "Cooperlake" at ~400, and the baseline must be the fastest a PyTorch
    user gets from this library. Returns what it did, for the results' machine record."""
    if os.environ.get("OPENBLAS_CORETYPE") in _AVX512_CORES:   # a worker of a script that chose already
        return f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} (set by the caller)"
    flags = set(_cpuinfo().get("flags", "").split())
    if "avx512f" not in flags or not os.path.exists(lib):
        return "OpenBLAS's own choice"
    probe = subprocess.run([sys.executable, "-c", _CORENAME, lib], capture_output=True, text=True, timeout=60)
    chosen = probe.stdout.strip()
    if probe.returncode != 0 or chosen in _AVX512_CORES:
        return f"OpenBLAS's own choice ({chosen or 'unknown'})"
    was = os.environ.get("OPENBLAS_CORETYPE")
    os.environ["OPENBLAS_CORETYPE"] = "Cooperlake" if "avx512_bf16" in flags else "SkylakeX"
    return (f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}: OpenBLAS would run {chosen}"
            + (f" (OPENBLAS_CORETYPE={was} in the environment)" if was else "") + " on this AVX-512 CPU")


# glibc malloc returns every block over its mmap threshold (32 MiB at most) to the kernel on free,
# and the next tensor of that size faults its pages in again: on this VM a 32 MiB clone took 51 ms
# (0.7 ms with the settings below) and the official tokenizer's 3x3 convolution 275 ms (54 ms).
# A PyTorch user tuning CPU inference keeps freed memory in the process (these settings, or
# jemalloc/tcmalloc by LD_PRELOAD), so the baseline does too.
_MALLOC = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def keep_freed_memory():
    """Call first thing in a PyTorch benchmark script: unless the caller chose an allocator
    (MALLOC_MMAP_MAX_ or LD_PRELOAD set), re-executes the script with glibc malloc kept from
    returning freed blocks to the kernel (glibc reads these only at start). Open pipes carry over.
    Returns the allocator setting, for the results' machine record."""
    if "LD_PRELOAD" in os.environ:
        return f"LD_PRELOAD={os.environ['LD_PRELOAD']}"
    if "MALLOC_MMAP_MAX_" not in os.environ:
        env = dict(os.environ, **_MALLOC)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    return " ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in _MALLOC)

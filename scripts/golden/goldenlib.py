"""Writes golden files for the JUnit tests: safetensors without the safetensors package.

Every golden script imports this, builds small inputs with a fixed seed, runs PyTorch and calls
save(name, {key: tensor}) which writes tornado-tasks/src/test/resources/golden/<name>.safetensors
(or another module's resources, see `module`). Float tensors are stored as F32, integer as I32.
Run all of them with scripts/golden.sh (needs Debian's python3-torch; CI never runs them).
"""
import json
import os
import struct

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def setup():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float32)


def save(name, tensors, module="tornado-tasks", metadata=None):
    out_dir = os.path.join(ROOT, module, "src", "test", "resources", "golden")
    os.makedirs(out_dir, exist_ok=True)
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs = []
    off = 0
    for key, t in tensors.items():
        if not torch.is_tensor(t):
            t = torch.tensor(t)
        t = t.detach().cpu().contiguous()
        if t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.bool, torch.uint8):
            t = t.to(torch.int32)
            dtype = "I32"
        else:
            t = t.to(torch.float32)
            dtype = "F32"
        raw = t.numpy().tobytes()
        header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    js = json.dumps(header).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    path = os.path.join(out_dir, name + ".safetensors")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)
    print("wrote", os.path.relpath(path, ROOT), sum(len(b) for b in blobs), "bytes")

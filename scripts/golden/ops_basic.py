"""Golden files for the basic kernels (eim.tasks.kernels: Activations, LayerNorm, AdaLN, Embedding,
Timestep, FlowMatching), computed with PyTorch and autograd. One file per kernel class:
ops_<class>.safetensors. Each backward golden is the gradient of sum(out * g) for a random g, so
the Java test feeds g as the upstream gradient. Odd sizes exercise the vector tails.
"""
import math

import torch
import torch.nn.functional as F

from goldenlib import save, setup


def grads(out, inputs, seed_name, tensors):
    """Backpropagates sum(out * g) for a random g (stored as tensors[seed_name]); returns the grads."""
    g = torch.randn_like(out)
    tensors[seed_name] = g
    return torch.autograd.grad((out * g).sum(), inputs)


def activations():
    t = {}
    # a spread of values including the tails where erf saturates
    x = torch.cat([torch.randn(61) * 2.0, torch.tensor([-9.0, -5.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 5.0, 9.0])])
    x.requires_grad_(True)
    t["x"] = x
    y = F.gelu(x)
    t["gelu_y"] = y
    (t["gelu_dx"],) = grads(y, [x], "gelu_dy", t)
    y = F.silu(x)
    t["silu_y"] = y
    (t["silu_dx"],) = grads(y, [x], "silu_dy", t)
    # erf in float64 on a float32 grid, for the accuracy test of the Java erf (abs error < 1e-7)
    grid = torch.linspace(-6.5, 6.5, 2601, dtype=torch.float32)
    t["erf_x"] = grid
    t["erf_ref"] = torch.erf(grid.double())
    save("ops_activations", t)


def layernorm():
    t = {}
    rows, D = 5, 37
    for name, eps, affine in [("affine_1e-6", 1e-6, True), ("affine_1e-5", 1e-5, True),
                              ("plain_1e-6", 1e-6, False), ("plain_1e-5", 1e-5, False)]:
        # an offset and a scale per row so the mean and variance matter
        x = (torch.randn(rows, D) * torch.rand(rows, 1) * 3 + torch.randn(rows, 1)).requires_grad_(True)
        w = (1 + 0.5 * torch.randn(D)).requires_grad_(True)
        b = (0.5 * torch.randn(D)).requires_grad_(True)
        y = F.layer_norm(x, (D,), w if affine else None, b if affine else None, eps)
        _, mean, rstd = torch.native_layer_norm(x.detach(), [D], w.detach() if affine else None,
                                                b.detach() if affine else None, eps)
        p = name + "."
        t[p + "x"], t[p + "y"] = x, y
        t[p + "mean"], t[p + "rstd"] = mean.reshape(rows), rstd.reshape(rows)
        if affine:
            t[p + "w"], t[p + "b"] = w, b
            t[p + "dx"], t[p + "dw"], t[p + "db"] = grads(y, [x, w, b], p + "dy", t)
        else:
            (t[p + "dx"],) = grads(y, [x], p + "dy", t)
    save("ops_layernorm", t, metadata={"rows": rows, "D": D})


def adaln():
    t = {}
    rows, W = 5, 19
    # the ResBlock layout: mod = Linear(SiLU(y)) of width 3W, chunked into shift | scale | gate
    mod = torch.randn(rows, 3 * W).requires_grad_(True)
    shift, scale, gate = mod.chunk(3, dim=-1)
    xn = torch.randn(rows, W).requires_grad_(True)
    h = xn * (1 + scale) + shift
    t["xn"], t["mod"], t["h"] = xn, mod, h
    t["modulate_dxn"], t["modulate_dmod"] = grads(h, [xn, mod], "modulate_dh", t)
    x = torch.randn(rows, W)
    hh = torch.randn(rows, W).requires_grad_(True)
    out = x + gate * hh
    t["x"], t["hh"], t["gate_out"] = x, hh, out
    t["gate_dh"], t["gate_dmod"] = grads(out, [hh, mod], "gate_dx", t)
    save("ops_adaln", t, metadata={"rows": rows, "W": W, "modStride": 3 * W})


def embedding():
    t = {}
    V, D = 7, 13
    ids = torch.tensor([3, 0, 3, 6, 1, 3, 0, 2, 6, 5, 3])  # repeats on purpose
    table = torch.randn(V, D).requires_grad_(True)
    out = F.embedding(ids, table)
    t["ids"], t["table"], t["out"] = ids, table, out
    (t["dtable"],) = grads(out, [table], "dout", t)
    # class-condition buffer: out[b, s] = (drop[b] ? fake : class_emb[labels[b]]) + pos[s]
    B, S, K = 4, 3, 5
    labels = torch.tensor([2, 4, 2, 0])
    drop = torch.tensor([0, 1, 0, 1])
    class_emb = torch.randn(K, D).requires_grad_(True)
    fake = torch.randn(D).requires_grad_(True)
    pos = torch.randn(S, D).requires_grad_(True)
    cond = torch.where(drop[:, None].bool(), fake[None, :].expand(B, D), class_emb[labels])
    cc = (cond[:, None, :] + pos[None, :, :]).reshape(B * S, D)
    t["labels"], t["drop"], t["class_emb"], t["fake"], t["pos"], t["cc_out"] = labels, drop, class_emb, fake, pos, cc
    t["cc_dclass_emb"], t["cc_dfake"], t["cc_dpos"] = grads(cc, [class_emb, fake, pos], "cc_dout", t)
    save("ops_embedding", t, metadata={"V": V, "D": D, "B": B, "S": S, "numClasses": K})


def timestep_embedding(t, dim, max_period=10000):
    """The authors' TimestepEmbedder.timestep_embedding (generator/diffloss.py), restated."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


def timestep():
    t = {}
    ts = torch.cat([torch.tensor([0.0, 1e-5, 1.0]), torch.rand(4)])
    t["t"] = ts
    t["emb256"] = timestep_embedding(ts, 256)
    t["emb33"] = timestep_embedding(ts, 33)
    save("ops_timestep", t, metadata={"maxPeriod": 10000})


def flowmatching():
    t = {}
    N, C = 9, 21
    x0, noise = torch.randn(N, C), torch.randn(N, C)
    tt = torch.rand(N) * (1 - 1e-5) + 1e-5  # the authors' t ~ U(0,1) scaled to [1e-5, 1]
    xt = tt[:, None] * noise + (1 - tt[:, None]) * x0
    target = noise - x0
    pred = torch.randn(N, C).requires_grad_(True)
    row_loss = ((target - pred) ** 2).mean(dim=-1)
    loss = row_loss.mean()
    (dpred,) = torch.autograd.grad(loss, [pred])
    t.update(x0=x0, noise=noise, t=tt, xt=xt, target=target, pred=pred, row_loss=row_loss, loss=loss, dpred=dpred)
    # diffusion_batch_mul tiling: Tensor.repeat(times, 1)
    rows, D, times = 3, 5, 4
    src = torch.randn(rows, D).requires_grad_(True)
    dst = src.repeat(times, 1)
    t["rep_src"], t["rep_dst"] = src, dst
    (t["rep_dsrc"],) = grads(dst, [src], "rep_ddst", t)
    # classifier-free guidance as SimpleMLPAdaLN.forward_with_cfg
    B, scale = 3, 2.75
    v = torch.randn(2 * B, C)
    cond_v, uncond_v = torch.split(v, B, dim=0)
    half = uncond_v + scale * (cond_v - uncond_v)
    t["cfg_v"], t["cfg_out"], t["cfg_scale"] = v, torch.cat([half, half], dim=0), torch.tensor([scale])
    save("ops_flowmatching", t, metadata={"N": N, "C": C, "rows": rows, "D": D, "times": times, "B": B})


if __name__ == "__main__":
    setup()
    activations()
    layernorm()
    adaln()
    embedding()
    timestep()
    flowmatching()

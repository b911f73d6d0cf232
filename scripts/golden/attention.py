"""Golden files for Rope, WindowedCausalAttention and CrossAttention (tornado-tasks).

Everything is computed the authors' way (generator/equ_modeling.py): the RoPE table of
precompute_freqs_cis (with a fixed shift `posOff` instead of the random one), the rotation of
apply_rotary_emb, the boolean window mask built as in forward_encoder, then softmax(q k^T * scale)
and, for the dropout cases, timm's attn_drop on the probabilities with the keep mask drawn from the
project's counter-based hash (eim.tasks.kernels.Rng) so Java can reproduce it. Gradients of the
pre-RoPE inputs come from autograd with a random upstream gradient `dout`.
"""
import numpy as np
import torch

import goldenlib

BASE = 10000
B, H, HD = 2, 2, 8
D = H * HD


def rng_uniform(seed, index):
    """Twin of Rng.uniform: lowbias32 hash of (seed, index) in uint32 arithmetic, 24 bits -> [0,1)."""
    m = np.uint64(0xFFFFFFFF)
    x = ((np.asarray(index, dtype=np.int64).astype(np.uint64) & m) * np.uint64(0x9E3779B9)) & m
    x ^= (np.uint64(seed & 0xFFFFFFFF) * np.uint64(0x85EBCA6B)) & m
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & m
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & m
    x ^= x >> np.uint64(16)
    return torch.from_numpy((x >> np.uint64(8)).astype(np.float32) * np.float32(2.0 ** -24))


def rope_table(seq_len, hd, shift):
    """precompute_freqs_cis with the shift fixed: (seq_len, hd/2, 2) of (cos, sin), float32."""
    freqs = 1.0 / (BASE ** (torch.arange(0, hd, 2)[: hd // 2].float() / hd))
    t = torch.arange(seq_len) + torch.tensor([shift])
    angles = torch.outer(t, freqs)
    cis = torch.polar(torch.ones_like(angles), angles)
    return torch.stack([cis.real, cis.imag], dim=-1), freqs


def rotate(x, table):
    """apply_rotary_emb with cls_token_num=0; x (B, L, H, hd)."""
    pairs = x.float().reshape(*x.shape[:-1], -1, 2)
    cis = table.view(1, pairs.size(1), 1, pairs.size(3), 2)
    out = torch.stack([
        pairs[..., 0] * cis[..., 0] - pairs[..., 1] * cis[..., 1],
        pairs[..., 1] * cis[..., 0] + pairs[..., 0] * cis[..., 1],
    ], dim=-1)
    return out.flatten(3).type_as(x)


def window_mask(L, cond_length):
    """The boolean mask of forward_encoder: j <= i, and j >= i - cond_length when cond_length > 0."""
    mask = torch.zeros(L, L)
    mask[:, :] = 1 - torch.triu(torch.ones(L, L), diagonal=1)
    if cond_length > 0:
        mask[:, :] -= 1 - torch.triu(torch.ones(L, L), diagonal=-cond_length)
    return mask.bool()


def attend(q, k, v, mask, drop_p, seed):
    """q (B,H,Lq,hd), k v (B,H,Lk,hd): the non-fused branch of MaskedAttention(RoPE). Returns out, lse."""
    scores = (q * HD ** -0.5) @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask[None, None, :, :], float('-inf'))
    lse = torch.logsumexp(scores, dim=-1)
    attn = scores.softmax(dim=-1)
    if drop_p > 0:
        bq, hq, lq, lk = attn.shape
        index = np.arange(bq * hq * lq * lk).reshape(bq, hq, lq, lk)  # ((b*H+h)*Lq+i)*Lk+j
        keep = (rng_uniform(seed, index) >= np.float32(drop_p)).float()
        attn = attn * keep / (1 - drop_p)
    return attn @ v, lse


def self_attention_case(L, window, pos_off, drop_p=0.0, seed=0):
    qkv = torch.randn(B * L, 3 * D, requires_grad=True)
    table, _ = rope_table(L, HD, pos_off)
    parts = qkv.reshape(B, L, 3, H, HD).permute(2, 0, 3, 1, 4)  # (3, B, H, L, hd)
    q, k, v = parts.unbind(0)
    q = rotate(q.permute(0, 2, 1, 3), table).permute(0, 2, 1, 3)
    k = rotate(k.permute(0, 2, 1, 3), table).permute(0, 2, 1, 3)
    out, lse = attend(q, k, v, window_mask(L, max(window, 0)), drop_p, seed)
    out = out.transpose(1, 2).reshape(B * L, D)
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    return {"qkv": qkv, "dout": dout, "out": out, "lse": lse.permute(0, 2, 1).reshape(-1), "dqkv": qkv.grad,
            "posOff": torch.tensor([pos_off], dtype=torch.int32), "window": torch.tensor([window], dtype=torch.int32),
            "dropP": torch.tensor([drop_p]), "seed": torch.tensor([seed], dtype=torch.int32)}


def cross_attention_case(L, S, pos_off, drop_p=0.0, seed=0):
    q = torch.randn(B * L, D, requires_grad=True)
    k = torch.randn(B * S, D, requires_grad=True)
    v = torch.randn(B * S, D, requires_grad=True)
    table, _ = rope_table(L, HD, pos_off)
    qr = rotate(q.reshape(B, L, H, HD), table).permute(0, 2, 1, 3)  # only q is rotated
    kh = k.reshape(B, S, H, HD).permute(0, 2, 1, 3)
    vh = v.reshape(B, S, H, HD).permute(0, 2, 1, 3)
    out, lse = attend(qr, kh, vh, None, drop_p, seed)
    out = out.transpose(1, 2).reshape(B * L, D)
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    return {"q": q, "k": k, "v": v, "dout": dout, "out": out, "lse": lse.permute(0, 2, 1).reshape(-1),
            "dq": q.grad, "dk": k.grad, "dv": v.grad, "posOff": torch.tensor([pos_off], dtype=torch.int32),
            "S": torch.tensor([S], dtype=torch.int32), "dropP": torch.tensor([drop_p]),
            "seed": torch.tensor([seed], dtype=torch.int32)}


def rope_case(L, h, hd, pos_off):
    x = torch.randn(B, L, h, hd)
    table, freqs = rope_table(L, hd, pos_off)
    return {"x": x.reshape(B * L, h * hd), "y": rotate(x, table).reshape(B * L, h * hd), "freqs": freqs,
            "posOff": torch.tensor([pos_off], dtype=torch.int32)}


def prefixed(prefix, tensors):
    return {prefix + "_" + key: value for key, value in tensors.items()}


def main():
    goldenlib.setup()
    out = {}
    for L, pos_off in [(1, 3), (4, 0), (9, 7), (17, 12)]:
        out.update(prefixed(f"win_L{L}", self_attention_case(L, 3, pos_off)))
    out.update(prefixed("win_drop_L9", self_attention_case(9, 3, 5, drop_p=0.25, seed=1234)))
    out.update(prefixed("causal_L9", self_attention_case(9, -1, 4)))
    out.update(prefixed("cross", cross_attention_case(6, 4, 9)))
    out.update(prefixed("cross_drop", cross_attention_case(6, 4, 2, drop_p=0.3, seed=-77)))
    out.update(prefixed("rope_hd8", rope_case(5, 2, 8, 6)))
    out.update(prefixed("rope_hd64", rope_case(3, 1, 64, 1000)))  # large angles: float32 rounding matters
    goldenlib.save("attention", out, metadata={"B": B, "H": H, "hd": HD, "base": BASE,
                                               "script": "scripts/golden/attention.py"})


if __name__ == "__main__":
    main()

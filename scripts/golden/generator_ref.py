"""Plain-PyTorch (1.13, no timm) reference of the authors' generator, for golden files and benchmarks.

Re-implements, with the authors' math and state_dict keys, generator/equ_modeling.py
(EquivariantGenerativeModel, MaskedBlockRoPECrossAttn, MaskedAttentionRoPE, MaskedAttentionCrossRoPE,
precompute_freqs_cis, apply_rotary_emb, sample_tokens), generator/diffloss.py (DiffLoss,
SimpleMLPAdaLN) and diffusion/flows.py (RectifiedFlow.get_train_tuple, sample_ode_generative) of
drx-code/EquivariantModeling, with every random draw injectable so results can be reproduced from files.

Details confirmed by reading the authors' code (and timm 0.9.12, the version in environment.yaml):
 1. Parameters (state_dict keys) per block `encoder_blocks.<i>.`: norm1, attn.qkv (D->3D, bias),
    attn.proj (bias), norm2, mlp.fc1 (D->4D), mlp.fc2 (4D->D), attn2.qkv (D->D: it is the QUERY
    projection; the timm constructor's D->3D qkv is replaced), attn2.proj, attn2.k, attn2.v (all with
    bias), cross_norm, cross_cond_norm. timm's q_norm/k_norm are Identity (qk_norm False), ls1/ls2 and
    drop_path are Identity (init_values None, drop_path 0): none carries parameters.
 2. LayerNorm eps: norm1, norm2, z_proj_ln, encoder_norm use 1e-6 (norm_layer=partial(LayerNorm,
    eps=1e-6) in every preset); cross_norm and cross_cond_norm are bare nn.LayerNorm(dim): eps 1e-5.
    Head: res_blocks.*.in_ln eps 1e-6, final_layer.norm_final eps 1e-6 without affine parameters.
 3. GELU is nn.GELU() (exact erf); MLP ratio 4; timm's Mlp applies dropout proj_drop after the GELU
    and after fc2 (0 in the golden tests, and always off in eval).
 4. forward_encoder: x = z_proj(tokens); S buffer positions are prepended whose value is
    class_embedding + encoder_pos_embed_learned (the z_proj output there is overwritten); then
    z_proj_ln over ALL S+L positions; blocks; encoder_norm; output x[:, S-1:-1] (L rows): token i is
    predicted from the state at position i-1, token 0 from the last buffer position.
 5. Label drop (training only): class_embedding = m * fake_latent + (1 - m) * class_emb(y), m in {0,1}
    per sample. Written as that blend (not a selection) so fake_latent and class_emb.weight always get
    a (possibly zero) gradient, hence AdamW always updates/decays them, as in the authors' run.
 6. Block (MaskedBlockRoPECrossAttn): buffer tokens (first S) skip self- and cross-attention:
    img += attn(norm1(img)); img += attn2(cross_norm(img), cross_cond_norm(buffer));
    x = cat(buffer, img); x += mlp(norm2(x)) over all positions.
 7. Self-attention mask over image tokens only (L x L): i attends j iff j <= i and j >= i - window
    (cond_length); window 0 = plain causal. Softmax scale head_dim^-0.5; fused SDPA and the explicit
    path are the same math.
 8. RoPE: precompute_freqs_cis(L, head_dim, base 10000, cls_token_num=0): freqs[k] =
    1 / base^(2k/head_dim), k < head_dim/2; positions t = 0..L-1 + shift, shift drawn ONCE per
    training forward in [0, shift_num) (shared by the batch and all blocks), 0 in eval. Rotation of
    interleaved pairs (x[2k], x[2k+1]): (x0 cos - x1 sin, x1 cos + x0 sin). Self-attention rotates q
    and k; cross-attention rotates only q (same positions), keys from the buffer are not rotated.
 9. Loss: target = tokens.reshape(B*L, C).repeat(mul, 1), z likewise, so row r = k*(B*L) + b*L + l.
    RectifiedFlow.get_train_tuple(z0=x0, z1=noise): t = u * (1 - 1e-5) + 1e-5 with u ~ U(0,1) per
    row; x_t = t * noise + (1 - t) * x0; target velocity = noise - x0. pred = net(x_t, t, c=z);
    loss = mean over rows of mean over channels of (target - pred)^2.
10. Head (SimpleMLPAdaLN): x = input_proj(x_t); y = time_embed(t) + cond_embed(z); time_embed =
    Linear(256->W), SiLU, Linear(W->W) on the sinusoidal embedding [cos(t f), sin(t f)],
    f_k = exp(-ln(10000) k / 128), of t itself (no *1000). ResBlock: (shift, scale, gate) =
    Linear(SiLU(y)).chunk(3); h = in_ln(x) * (1 + scale) + shift; h = Linear(SiLU(Linear(h)));
    x += gate * h. FinalLayer: (shift, scale) = Linear(SiLU(y)).chunk(2); out = linear(
    norm_final(x) * (1 + scale) + shift).
11. Sampling (sample_tokens, eval mode: no label drop, shift 0, no dropout): full recompute of the
    whole L-token sequence (zeros beyond the generated prefix) at every AR step i, z = x[:, i].
    With cfg != 1 the batch is [cond rows; null rows (fake_latent)], the guidance scale is
    1 + (cfg - 1) (i + 1) / L ("linear") or cfg ("constant"), noise is drawn for the B conditional
    rows and reused for the null rows. RectifiedFlow.sample_ode_generative (Euler): x = noise; for
    j = N..1: t = j / N; x += v(x, t) * (-1 / N). forward_with_cfg feeds the cond half's x to both
    halves and v = v_null + s (v_cond - v_null) to both. `temperature` is accepted but unused.
12. Optimiser (util/misc.add_weight_decay + train_generator.py): AdamW(betas (0.9, 0.95)), group
    without decay: 1-D tensors, names ending in .bias, anything containing 'diffloss'; all else decays
    (includes fake_latent (1,D), class_emb.weight, encoder_pos_embed_learned (1,S,D)).
    clip_grad_norm_(all parameters, 3.0) before each step.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

ROPE_BASE = 10000
TIME_FREQ_DIM = 256  # TimestepEmbedder.frequency_embedding_size
FLOW_T_EPS = 1e-5    # RectifiedFlow.get_train_tuple eps


@dataclass(frozen=True)
class GeneratorConfig:
    token_channels: int      # C (vae_embed_dim)
    width: int               # D (encoder_embed_dim)
    depth: int               # blocks (encoder_depth + decoder_depth)
    heads: int
    mlp_ratio: int = 4
    buffer_size: int = 16    # S
    window: int = 3          # cond_length, 0 = full causal
    shift_range: int = 16    # shift_num
    num_classes: int = 1000
    head_width: int = 256    # diffloss_w
    head_depth: int = 3      # diffloss_d
    diffusion_batch_mul: int = 4
    seq_len: int = 16        # training tokens per image
    rope_base: int = ROPE_BASE
    label_drop_prob: float = 0.1
    attn_dropout: float = 0.0
    proj_dropout: float = 0.0

    def metadata(self):
        return {k: str(v) for k, v in asdict(self).items()}


PRESETS = {
    "tiny": GeneratorConfig(token_channels=16, width=256, depth=8, heads=4, head_width=256, head_depth=3),
    "small": GeneratorConfig(token_channels=16, width=512, depth=16, heads=8, head_width=512, head_depth=6),
    # the paper's S (GeneratorConfig.preset("s") in Java), with the benchmarks' 16 token channels
    "s": GeneratorConfig(token_channels=16, width=512, depth=16, heads=8, head_width=960, head_depth=12),
}


# ----------------------------------------------------------------------------------------------
# Rotary position embedding and the windowed causal mask
# ----------------------------------------------------------------------------------------------
def precompute_freqs_cis(seq_len, head_dim, base=ROPE_BASE, shift=0, dtype=torch.float32):
    """(seq_len, head_dim/2, 2) holding (cos, sin) of (position + shift) * freq_k."""
    freqs = 1.0 / (base ** (torch.arange(0, head_dim, 2)[: head_dim // 2].to(dtype) / head_dim))
    positions = torch.arange(seq_len).to(dtype) + shift
    angles = torch.outer(positions, freqs)
    return torch.stack([torch.cos(angles), torch.sin(angles)], dim=-1)


def apply_rotary_emb(x, freqs_cis):
    """x (B, heads, N, head_dim), rotated pairwise (x[2k], x[2k+1]) by freqs_cis (N, head_dim/2, 2)."""
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    cos, sin = freqs_cis[..., 0], freqs_cis[..., 1]          # (N, head_dim/2), broadcast over B, heads
    x0, x1 = pairs[..., 0], pairs[..., 1]
    return torch.stack([x0 * cos - x1 * sin, x1 * cos + x0 * sin], dim=-1).flatten(-2)


def window_mask(seq_len, window):
    """(L, L) bool, True where query i may attend key j: j <= i and (window == 0 or j >= i - window)."""
    i = torch.arange(seq_len)[:, None]
    j = torch.arange(seq_len)[None, :]
    mask = j <= i
    if window > 0:
        mask &= j >= i - window
    return mask


def attention(q, k, v, mask, dropout_p, training):
    """q (B,h,N,d), k/v (B,h,M,d), mask (N,M) bool or None -> (B,h,N,d)."""
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    probs = F.dropout(scores.softmax(dim=-1), dropout_p, training)
    return probs @ v


def split_heads(x, heads):
    b, n, d = x.shape
    return x.reshape(b, n, heads, d // heads).transpose(1, 2)


def merge_heads(x):
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


# ----------------------------------------------------------------------------------------------
# Transformer block (timm Block + MaskedAttentionRoPE + MaskedAttentionCrossRoPE)
# ----------------------------------------------------------------------------------------------
class Mlp(nn.Module):
    """timm Mlp: fc1, GELU (erf), dropout, fc2, dropout."""

    def __init__(self, dim, hidden, drop):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = drop

    def forward(self, x):
        x = F.dropout(F.gelu(self.fc1(x)), self.drop, self.training)
        return F.dropout(self.fc2(x), self.drop, self.training)


class SelfAttentionRoPE(nn.Module):
    """MaskedAttentionRoPE with cls_token_num 0: qkv D->3D, RoPE on q and k, masked softmax, proj."""

    def __init__(self, dim, heads, attn_drop, proj_drop):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.attn_drop, self.proj_drop = attn_drop, proj_drop

    def forward(self, x, mask, freqs_cis):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k = apply_rotary_emb(q, freqs_cis), apply_rotary_emb(k, freqs_cis)
        out = merge_heads(attention(q, k, v, mask, self.attn_drop, self.training))
        return F.dropout(self.proj(out), self.proj_drop, self.training)


class CrossAttentionRoPE(nn.Module):
    """MaskedAttentionCrossRoPE: q = qkv(x) (D->D) rotated, k = k(cond), v = v(cond), no mask."""

    def __init__(self, dim, heads, attn_drop, proj_drop):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.attn_drop, self.proj_drop = attn_drop, proj_drop

    def forward(self, x, cond, freqs_cis):
        q = apply_rotary_emb(split_heads(self.qkv(x), self.heads), freqs_cis)
        k, v = split_heads(self.k(cond), self.heads), split_heads(self.v(cond), self.heads)
        out = merge_heads(attention(q, k, v, None, self.attn_drop, self.training))
        return F.dropout(self.proj(out), self.proj_drop, self.training)


class Block(nn.Module):
    """MaskedBlockRoPECrossAttn; attributes registered in the authors' order (timm Block first)."""

    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        d = cfg.width
        self.buffer_size = cfg.buffer_size
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = SelfAttentionRoPE(d, cfg.heads, cfg.attn_dropout, cfg.proj_dropout)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.mlp = Mlp(d, cfg.mlp_ratio * d, cfg.proj_dropout)
        self.attn2 = CrossAttentionRoPE(d, cfg.heads, cfg.attn_dropout, cfg.proj_dropout)
        self.cross_norm = nn.LayerNorm(d)        # eps 1e-5 (PyTorch default), as the authors
        self.cross_cond_norm = nn.LayerNorm(d)

    def forward(self, x, mask, freqs_cis):
        buffer, img = x[:, :self.buffer_size], x[:, self.buffer_size:]
        img = img + self.attn(self.norm1(img), mask, freqs_cis)
        img = img + self.attn2(self.cross_norm(img), self.cross_cond_norm(buffer), freqs_cis)
        x = torch.cat([buffer, img], dim=1)
        return x + self.mlp(self.norm2(x))


# ----------------------------------------------------------------------------------------------
# Flow-matching head (DiffLoss / SimpleMLPAdaLN) and rectified flow
# ----------------------------------------------------------------------------------------------
def timestep_embedding(t, dim=TIME_FREQ_DIM, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half).to(t.dtype)
    args = t[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def modulate(x, shift, scale):
    return x * (1 + scale) + shift


class TimestepEmbedder(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(TIME_FREQ_DIM, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, t):
        return self.mlp(timestep_embedding(t))


class ResBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.in_ln = nn.LayerNorm(width, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 3 * width))

    def forward(self, x, y):
        shift, scale, gate = self.adaLN_modulation(y).chunk(3, dim=-1)
        return x + gate * self.mlp(modulate(self.in_ln(x), shift, scale))


class FinalLayer(nn.Module):
    def __init__(self, width, out_channels):
        super().__init__()
        self.norm_final = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(width, out_channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 2 * width))

    def forward(self, x, y):
        shift, scale = self.adaLN_modulation(y).chunk(2, dim=-1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


class SimpleMLPAdaLN(nn.Module):
    def __init__(self, in_channels, width, z_channels, depth):
        super().__init__()
        self.in_channels = in_channels
        self.time_embed = TimestepEmbedder(width)
        self.cond_embed = nn.Linear(z_channels, width)
        self.input_proj = nn.Linear(in_channels, width)
        self.res_blocks = nn.ModuleList([ResBlock(width) for _ in range(depth)])
        self.final_layer = FinalLayer(width, in_channels)

    def forward(self, x, t, c):
        """x (N, C) noisy token, t (N,) flow time in [0, 1], c (N, D) condition -> velocity (N, C)."""
        x = self.input_proj(x)
        y = self.time_embed(t) + self.cond_embed(c)
        for block in self.res_blocks:
            x = block(x, y)
        return self.final_layer(x, y)

    def forward_with_cfg(self, x, t, c, cfg_scale):
        """Rows [cond; null]: both halves see the cond half's x; both get the guided velocity."""
        half = x[: len(x) // 2]
        out = self.forward(torch.cat([half, half], dim=0), t, c)
        cond, null = out.chunk(2, dim=0)
        guided = null + cfg_scale * (cond - null)
        return torch.cat([guided, guided], dim=0)


def rectified_flow_train_tuple(x0, noise, t_uniform, eps=FLOW_T_EPS):
    """RectifiedFlow.get_train_tuple(z0=x0, z1=noise, t=u): (x_t, t, target velocity)."""
    t = (t_uniform * (1 - eps) + eps)[:, None]
    return t * noise + (1.0 - t) * x0, t, noise - x0


@torch.no_grad()
def sample_ode_generative(velocity, noise, steps, **kwargs):
    """RectifiedFlow.sample_ode_generative, Euler: from t=1 (noise) to t=0 in `steps` steps."""
    x = noise.clone()
    dt = -1.0 / steps
    for j in range(steps, 0, -1):
        t = torch.ones(x.shape[0], dtype=x.dtype) * j / steps
        x = x + velocity(x, t, **kwargs) * dt
    return x


class DiffLoss(nn.Module):
    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        self.net = SimpleMLPAdaLN(cfg.token_channels, cfg.head_width, cfg.width, cfg.head_depth)

    def forward(self, x0, z, noise, t_uniform):
        """x0 (N, C) targets, z (N, D), noise (N, C), t_uniform (N,) raw U(0,1) draws -> scalar loss."""
        x_t, t, target = rectified_flow_train_tuple(x0, noise, t_uniform)
        pred = self.net(x_t, t.squeeze(1), z)
        return ((target - pred) ** 2).mean(dim=-1).mean()

    def sample(self, z, noise, cfg, steps):
        """z (N, D) ([cond; null] when cfg != 1), noise (N, C) -> tokens (N, C)."""
        if cfg != 1.0:
            return sample_ode_generative(self.net.forward_with_cfg, noise, steps, c=z, cfg_scale=cfg)
        return sample_ode_generative(self.net.forward, noise, steps, c=z)

    @torch.no_grad()
    def sample_batched_modulations(self, z, noise, cfg, steps):
        """sample() with the adaLN modulations of all flow steps computed in one batch before the Euler
        steps: they depend on t and z only, so the time MLP and the ada layers (most of the head's
        weights) run once over steps x N rows instead of once per step over N. What a PyTorch user
        would write to cut the per-step cost; same math up to the GEMMs' summation order."""
        net = self.net
        n = z.shape[0]
        t = torch.cat([torch.ones(n, dtype=z.dtype) * j / steps for j in range(steps, 0, -1)])
        y = net.time_embed(t) + net.cond_embed(z).repeat(steps, 1)                 # (steps*N, W)
        mods = [blk.adaLN_modulation(y).view(steps, n, -1).chunk(3, dim=-1) for blk in net.res_blocks]
        final_shift, final_scale = net.final_layer.adaLN_modulation(y).view(steps, n, -1).chunk(2, dim=-1)
        x = noise.clone()
        dt = -1.0 / steps
        for i in range(steps):
            h = net.input_proj(x if cfg == 1.0 else torch.cat([x[: n // 2], x[: n // 2]], dim=0))
            for blk, (shift, scale, gate) in zip(net.res_blocks, mods):
                h = h + gate[i] * blk.mlp(modulate(blk.in_ln(h), shift[i], scale[i]))
            v = net.final_layer.linear(modulate(net.final_layer.norm_final(h), final_shift[i], final_scale[i]))
            if cfg != 1.0:
                cond, null = v.chunk(2, dim=0)
                guided = null + cfg * (cond - null)
                v = torch.cat([guided, guided], dim=0)
            x = x + v * dt
        return x


# ----------------------------------------------------------------------------------------------
# The generator
# ----------------------------------------------------------------------------------------------
class EquivariantGenerator(nn.Module):
    """EquivariantGenerativeModel with explicit randomness: state_dict keys equal the authors'."""

    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        d = cfg.width
        self.cfg = cfg
        self.class_emb = nn.Embedding(cfg.num_classes, d)
        self.fake_latent = nn.Parameter(torch.zeros(1, d))
        self.z_proj = nn.Linear(cfg.token_channels, d)
        self.z_proj_ln = nn.LayerNorm(d, eps=1e-6)
        self.encoder_pos_embed_learned = nn.Parameter(torch.zeros(1, cfg.buffer_size, d))
        self.encoder_blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.depth)])
        self.encoder_norm = nn.LayerNorm(d, eps=1e-6)
        self.diffloss = DiffLoss(cfg)

    def class_embedding(self, labels, drop_mask=None):
        """(B, D): class_emb[y], blended with fake_latent where drop_mask is 1 (training label drop)."""
        emb = self.class_emb(labels)
        if drop_mask is None:
            return emb
        m = drop_mask.to(emb.dtype)[:, None]
        return m * self.fake_latent + (1 - m) * emb

    def forward_encoder(self, tokens, class_embedding, shift=0):
        """tokens (B, L, C), class_embedding (B, D), RoPE shift -> conditions z (B, L, D)."""
        b, length, _ = tokens.shape
        img = self.z_proj(tokens)
        buffer = class_embedding[:, None, :] + self.encoder_pos_embed_learned   # (B, S, D)
        x = self.z_proj_ln(torch.cat([buffer, img], dim=1))
        mask = window_mask(length, self.cfg.window)
        freqs_cis = precompute_freqs_cis(length, self.cfg.width // self.cfg.heads, self.cfg.rope_base, shift,
                                         x.dtype)
        for block in self.encoder_blocks:
            x = block(x, mask, freqs_cis)
        x = self.encoder_norm(x)
        return x[:, self.cfg.buffer_size - 1:-1]

    def forward_loss(self, z, tokens, noise, t_uniform):
        b, length, _ = tokens.shape
        mul = self.cfg.diffusion_batch_mul
        target = tokens.reshape(b * length, -1).repeat(mul, 1)     # row r = k*(B*L) + b*L + l
        z = z.reshape(b * length, -1).repeat(mul, 1)
        return self.diffloss(target, z, noise, t_uniform)

    def forward(self, tokens, labels, drop_mask, shift, noise, t_uniform):
        """Training loss. drop_mask (B,) int, shift int, noise (mul*B*L, C), t_uniform (mul*B*L,)."""
        z = self.forward_encoder(tokens, self.class_embedding(labels, drop_mask), shift)
        return self.forward_loss(z, tokens.detach(), noise, t_uniform)

    @torch.no_grad()
    def sample_tokens(self, labels, num_tokens, cfg=1.0, cfg_schedule="linear", flow_steps=100, noise=None,
                      generator=None):
        """The authors' sampler (full recompute per AR step). noise (L, B, C) or drawn from `generator`.
        Returns tokens (B, L, C). Call in eval mode."""
        b = labels.shape[0]
        c = self.cfg.token_channels
        dtype = self.fake_latent.dtype
        tokens = torch.zeros(b, num_tokens, c, dtype=dtype)
        class_embedding = self.class_emb(labels)
        guided = cfg != 1.0
        if guided:
            class_embedding = torch.cat([class_embedding, self.fake_latent.repeat(b, 1)], dim=0)
        for step in range(num_tokens):
            batch_tokens = torch.cat([tokens, tokens], dim=0) if guided else tokens
            z = self.forward_encoder(batch_tokens, class_embedding)[:, step]
            if cfg_schedule == "linear":
                scale = 1 + (cfg - 1) * (step + 1.0) / num_tokens
            elif cfg_schedule == "constant":
                scale = cfg
            else:
                raise ValueError(f"cfg_schedule must be 'linear' or 'constant', got {cfg_schedule!r}")
            step_noise = noise[step] if noise is not None else torch.randn(b, c, generator=generator, dtype=dtype)
            if guided:
                step_noise = torch.cat([step_noise, step_noise], dim=0)
            sampled = self.diffloss.sample(z, step_noise, scale if guided else 1.0, flow_steps)
            tokens = tokens.clone()
            tokens[:, step] = sampled[:b]
        return tokens


    @torch.no_grad()
    def sample_tokens_kv(self, labels, num_tokens, cfg=1.0, cfg_schedule="linear", flow_steps=100, noise=None,
                         generator=None, batched_modulations=False):
        """The same tokens as sample_tokens (same noise order), with a key/value cache: what a PyTorch
        user would write for speed. Buffer positions skip attention, so they pass through the blocks
        once (their cross-attention keys/values are cached per block); each new token runs through the
        blocks alone, attending to the cached rotated keys of the last `window` positions and itself.
        Cost per token is constant in L. With batched_modulations, each token's flow steps get their
        adaLN modulations in one batch (DiffLoss.sample_batched_modulations). Call in eval mode."""
        b = labels.shape[0]
        c, width, heads = self.cfg.token_channels, self.cfg.width, self.cfg.heads
        window = self.cfg.window
        dtype = self.fake_latent.dtype
        class_embedding = self.class_emb(labels)
        guided = cfg != 1.0
        if guided:
            class_embedding = torch.cat([class_embedding, self.fake_latent.repeat(b, 1)], dim=0)
        rows = class_embedding.shape[0]
        x = self.z_proj_ln(class_embedding[:, None, :] + self.encoder_pos_embed_learned)   # (R, S, D)
        cross, keys, values = [], [None] * len(self.encoder_blocks), [None] * len(self.encoder_blocks)
        for block in self.encoder_blocks:
            cond = block.cross_cond_norm(x)
            cross.append((split_heads(block.attn2.k(cond), heads), split_heads(block.attn2.v(cond), heads)))
            x = x + block.mlp(block.norm2(x))
        z = self.encoder_norm(x[:, -1])                                                   # (R, D)
        freqs_cis = precompute_freqs_cis(num_tokens, width // heads, self.cfg.rope_base, 0, dtype)
        tokens = torch.zeros(b, num_tokens, c, dtype=dtype)
        for step in range(num_tokens):
            scale = 1 + (cfg - 1) * (step + 1.0) / num_tokens if cfg_schedule == "linear" else cfg
            step_noise = noise[step] if noise is not None else torch.randn(b, c, generator=generator, dtype=dtype)
            if guided:
                step_noise = torch.cat([step_noise, step_noise], dim=0)
            head_sample = self.diffloss.sample_batched_modulations if batched_modulations else self.diffloss.sample
            sampled = head_sample(z, step_noise, scale if guided else 1.0, flow_steps)
            tokens[:, step] = sampled[:b]
            if step == num_tokens - 1:
                break
            h = self.z_proj_ln(self.z_proj(sampled[:b].repeat(rows // b, 1)))[:, None]  # (R, 1, D)
            f = freqs_cis[step:step + 1]
            for i, block in enumerate(self.encoder_blocks):
                q, k, v = block.attn.qkv(block.norm1(h)).reshape(rows, 1, 3, heads, width // heads).permute(2, 0, 3, 1, 4)
                q, k = apply_rotary_emb(q, f), apply_rotary_emb(k, f)
                keys[i] = k if keys[i] is None else torch.cat([keys[i], k], dim=2)
                values[i] = v if values[i] is None else torch.cat([values[i], v], dim=2)
                if window > 0:
                    keys[i], values[i] = keys[i][:, :, -(window + 1):], values[i][:, :, -(window + 1):]
                h = h + block.attn.proj(merge_heads(attention(q, keys[i], values[i], None, 0.0, False)))
                q2 = apply_rotary_emb(split_heads(block.attn2.qkv(block.cross_norm(h)), heads), f)
                h = h + block.attn2.proj(merge_heads(attention(q2, *cross[i], None, 0.0, False)))
                h = h + block.mlp(block.norm2(h))
            z = self.encoder_norm(h[:, 0])
        return tokens

# ----------------------------------------------------------------------------------------------
# Initialisation and optimiser
# ----------------------------------------------------------------------------------------------
def authors_init(model: EquivariantGenerator):
    """initialize_weights of the authors (xavier linears, zeroed adaLN/final layers)."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    for p in (model.class_emb.weight, model.fake_latent, model.encoder_pos_embed_learned):
        nn.init.normal_(p, std=0.02)
    net = model.diffloss.net
    nn.init.normal_(net.time_embed.mlp[0].weight, std=0.02)
    nn.init.normal_(net.time_embed.mlp[2].weight, std=0.02)
    for layer in [blk.adaLN_modulation[-1] for blk in net.res_blocks] + [net.final_layer.adaLN_modulation[-1],
                                                                          net.final_layer.linear]:
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)


def random_init(model: nn.Module, generator: torch.Generator):
    """Non-zero random values everywhere (golden tests: nothing hides behind a zero init)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator, dtype=p.dtype)
            is_norm_weight = name.endswith(".weight") and p.dim() == 1
            if is_norm_weight:
                p.copy_(1 + 0.05 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.02 * noise)
            else:
                p.copy_(0.05 * noise)


def weight_decay_groups(model: nn.Module, weight_decay):
    """util/misc.add_weight_decay: no decay for 1-D tensors, *.bias and the whole head."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.dim() == 1 or name.endswith(".bias") or "diffloss" in name:
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": weight_decay}]


def make_optimizer(model, lr, weight_decay=0.02):
    return torch.optim.AdamW(weight_decay_groups(model, weight_decay), lr=lr, betas=(0.9, 0.95), eps=1e-8)

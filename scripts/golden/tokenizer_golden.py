"""Golden encoder/decoder outputs of the column-wise tokenizer (model TokenizerGoldenTest).

Re-implements, in plain torch and under the authors' state_dict keys, the modules of
drx-code/EquivariantModeling tokenizer/modules/diffusionmodules/model.py
(EquivariantTokenizerEncoder1D / Decoder1D with Normalize, ResnetBlock, AttnBlock,
DownsampleShuffleResidual, UpsampleShuffleResidual) and the quant_layer / post_quant_layer of
tokenizer/models/tokenizer.py, for the "tiny" preset. Weights come from a formula both sides
compute (see formula_weights) so the file holds only inputs, outputs and the expected shapes.
Writes model/src/test/resources/golden/tokenizer_golden.safetensors."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import goldenlib

# the Java preset "tiny"
TINY = dict(resolution=16, in_channels=3, ch=8, ch_mult=(1, 2), num_res_blocks=1, attn_resolutions=(8,),
            z_channels=4, embed_dim=8, groups=4)


def conv(cin, cout, k):
    return nn.Conv2d(cin, cout, k, stride=1, padding=k // 2, padding_mode="reflect")


def conv1d(cin, cout):
    return nn.Conv1d(cin, cout, 3, stride=1, padding=1, padding_mode="reflect")


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-6)
        self.conv1 = conv(cin, cout, 3)
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-6)
        self.conv2 = conv(cout, cout, 3)
        if cin != cout:
            self.nin_shortcut = conv(cin, cout, 1)
        self.cin, self.cout = cin, cout

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        if self.cin != self.cout:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c, eps=1e-6)
        self.q, self.k, self.v, self.proj_out = conv(c, c, 1), conv(c, c, 1), conv(c, c, 1), conv(c, c, 1)

    def forward(self, x):
        h_ = self.norm(x)
        q, k, v = self.q(h_), self.k(h_), self.v(h_)
        b, c, h, w = q.shape
        q = q.reshape(b, c, h * w).permute(0, 2, 1)
        k = k.reshape(b, c, h * w)
        w_ = torch.softmax(torch.bmm(q, k) * (int(c) ** (-0.5)), dim=2)
        v = v.reshape(b, c, h * w)
        h_ = torch.bmm(v, w_.permute(0, 2, 1)).reshape(b, c, h, w)
        return x + self.proj_out(h_)


def pixel_shuffle(x):
    bs, c, h, w = x.shape
    return x.view(bs, c // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(bs, c // 4, h * 2, w * 2)


def pixel_unshuffle(x):
    bs, c, h, w = x.shape
    return x.view(bs, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(bs, c * 4, h // 2, w // 2)


class Inner(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = conv(cin, cout, 3)


class DownsampleShuffleResidual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = Inner(c, c // 4)

    def forward(self, x):
        res = pixel_unshuffle(self.conv.conv(x))
        s = pixel_unshuffle(x)
        b, c, h, w = s.shape
        return res + s.view(b, c // 4, 4, h, w).mean(dim=2)


class UpsampleShuffleResidual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = Inner(c, c * 4)

    def forward(self, x):
        return pixel_shuffle(self.conv.conv(x)) + pixel_shuffle(x.repeat_interleave(4, dim=1))


class Encoder(nn.Module):
    def __init__(self, resolution, in_channels, ch, ch_mult, num_res_blocks, attn_resolutions, z_channels, groups, **_):
        super().__init__()
        self.conv_in = conv(in_channels, ch, 3)
        curr, block_in = resolution, ch
        in_mult = (1,) + tuple(ch_mult)
        self.down = nn.ModuleList()
        for level, m in enumerate(ch_mult):
            down = nn.Module()
            down.block, down.attn = nn.ModuleList(), nn.ModuleList()
            block_in, block_out = ch * in_mult[level], ch * m
            for _ in range(num_res_blocks):
                down.block.append(ResnetBlock(block_in, block_out, groups))
                block_in = block_out
                if curr in attn_resolutions:
                    down.attn.append(AttnBlock(block_in, groups))
            if level != len(ch_mult) - 1:
                down.downsample = DownsampleShuffleResidual(block_in)
                curr //= 2
            self.down.append(down)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in, groups)
        self.mid.attn_1 = AttnBlock(block_in, groups)
        self.mid.block_2 = ResnetBlock(block_in, block_in, groups)
        self.norm_out = nn.GroupNorm(groups, block_in, eps=1e-6)
        self.conv_out = conv(block_in, z_channels, 3)
        self.encoder1d = conv1d(z_channels * curr, z_channels * curr)
        self.levels = len(ch_mult)

    def forward(self, x):
        h = self.conv_in(x)
        for level, down in enumerate(self.down):
            for i, block in enumerate(down.block):
                h = block(h)
                if len(down.attn) > 0:
                    h = down.attn[i](h)
            if level != self.levels - 1:
                h = down.downsample(h)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        h = self.conv_out(swish(self.norm_out(h)))
        B, C, H, W = h.shape
        h = h.permute(0, 3, 1, 2).reshape(B, W, C * H)            # columnization
        return self.encoder1d(h.permute(0, 2, 1)).permute(0, 2, 1)


class Decoder(nn.Module):
    def __init__(self, resolution, in_channels, ch, ch_mult, num_res_blocks, attn_resolutions, z_channels, groups, **_):
        super().__init__()
        levels = len(ch_mult)
        block_in = ch * ch_mult[-1]
        curr = resolution // 2 ** (levels - 1)
        self.z_channels = z_channels
        self.conv_in = conv(z_channels, block_in, 3)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in, groups)
        self.mid.attn_1 = AttnBlock(block_in, groups)
        self.mid.block_2 = ResnetBlock(block_in, block_in, groups)
        self.up = nn.ModuleList()
        for level in reversed(range(levels)):
            up = nn.Module()
            up.block, up.attn = nn.ModuleList(), nn.ModuleList()
            block_out = ch * ch_mult[level]
            for _ in range(num_res_blocks + 1):
                up.block.append(ResnetBlock(block_in, block_out, groups))
                block_in = block_out
                if curr in attn_resolutions:
                    up.attn.append(AttnBlock(block_in, groups))
            if level != 0:
                up.upsample = UpsampleShuffleResidual(block_in)
                curr *= 2
            self.up.insert(0, up)
        self.norm_out = nn.GroupNorm(groups, block_in, eps=1e-6)
        self.conv_out = conv(block_in, in_channels, 3)
        post = (resolution // 2 ** (levels - 1)) * z_channels
        self.decoder1d = conv1d(post, post)
        self.levels = levels

    def forward(self, z):
        h = self.decoder1d(z.permute(0, 2, 1)).permute(0, 2, 1)
        h = h.reshape(h.shape[0], h.shape[1], self.z_channels, -1).permute(0, 2, 3, 1)   # rasterization
        h = self.conv_in(h)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        for level in reversed(range(self.levels)):
            up = self.up[level]
            for i, block in enumerate(up.block):
                h = block(h)
                if len(up.attn) > 0:
                    h = up.attn[i](h)
            if level != 0:
                h = up.upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class Tokenizer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = Encoder(**cfg)
        self.decoder = Decoder(**cfg)
        post = cfg["z_channels"] * cfg["resolution"] // 2 ** (len(cfg["ch_mult"]) - 1)
        self.quant_layer = conv1d(post, cfg["embed_dim"])
        self.post_quant_layer = conv1d(cfg["embed_dim"], post)

    def encode(self, x):
        return self.quant_layer(self.encoder(x).permute(0, 2, 1)).permute(0, 2, 1)      # (B, L, E) means

    def decode(self, z):
        return self.decoder(self.post_quant_layer(z.permute(0, 2, 1)).permute(0, 2, 1))


def formula_weights(model):
    """Parameter k (in sorted-name order), element i: a sine pattern the Java test recomputes
    (TokenizerGoldenTest.formulaWeight)."""
    with torch.no_grad():
        for k, name in enumerate(sorted(n for n, _ in model.named_parameters())):
            p = dict(model.named_parameters())[name]
            flat = p.view(-1)
            fan_in = p.numel() // p.shape[0]
            is_norm = ".norm" in name
            for i in range(flat.numel()):
                s = math.sin(0.37 * i + 1.1 * k + 0.5)
                if is_norm:
                    v = (1.0 + 0.2 * s) if name.endswith("weight") else 0.2 * s
                else:
                    v = s / math.sqrt(fan_in) if name.endswith("weight") else 0.1 * s
                flat[i] = v


def main():
    goldenlib.setup()
    model = Tokenizer(TINY)
    formula_weights(model)
    image = torch.rand(2, 3, 16, 16) * 2 - 1
    wide = torch.rand(1, 3, 16, 48) * 2 - 1          # 3x the trained width
    with torch.no_grad():
        tokens = model.encode(image)
        recon = model.decode(tokens)
        wide_tokens = model.encode(wide)
        wide_recon = model.decode(wide_tokens)
    out = {"image": image, "tokens": tokens, "recon": recon,
           "wide_image": wide, "wide_tokens": wide_tokens, "wide_recon": wide_recon}
    for name, p in model.named_parameters():
        out["shape/" + name] = torch.tensor(list(p.shape), dtype=torch.int32)
    print("parameters:", sum(p.numel() for p in model.parameters()), "tokens", tuple(tokens.shape),
          "wide tokens", tuple(wide_tokens.shape))
    goldenlib.save("tokenizer_golden", out, module="model")


if __name__ == "__main__":
    main()

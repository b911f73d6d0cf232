"""Writes tiny PyTorch checkpoints in the authors' exact formats for the Java checkpoint reader.

  model/src/test/resources/ckpt/generator_tiny.ckpt
      what util/misc.py save_model() writes: {'model', 'model_ema', 'optimizer', 'epoch', 'scaler',
      'args'} with EquivariantGenerativeModel's state_dict keys (generator/equ_modeling.py,
      generator/diffloss.py) at a tiny size. To exercise the reader, 'model' also holds one float16
      tensor, one bfloat16 tensor, a transposed (non-contiguous) view and a strided slice with a
      storage offset, saved as-is.
  model/src/test/resources/ckpt/tokenizer_tiny.ckpt
      a PyTorch Lightning checkpoint of EquivariantTokenizer (tokenizer/models/tokenizer.py):
      {'epoch', 'global_step', 'pytorch-lightning_version', 'state_dict', 'callbacks',
      'optimizer_states', 'lr_schedulers', 'hparams_name', 'hyper_parameters'}; the state_dict holds
      encoder/decoder/semantic_decoder/quant_layer/post_quant_layer, a few loss.* entries and the
      LitEma copies (tokenizer/ema.py): ema_<module>.<parameter name without dots>, plus
      ema_<module>.decay (float32) and ema_<module>.num_updates (int32).
  model/src/test/resources/ckpt/pickle_protocol{2,4}.ckpt, legacy_format.pth
      the same plain Python values and tensors saved with pickle protocols 2 and 4; a file in
      torch.save's legacy (non-zip) format, which the reader refuses with a clear message.
  model/src/test/resources/golden/ckpt_expected_{generator,tokenizer,pickle}.safetensors
      every tensor of both checkpoints as float32 (int32 for integer tensors), keyed by its path
      in the checkpoint ("model/z_proj.weight", "state_dict/ema_encoder.conv_inweight",
      "optimizer/state/0/exp_avg", ...).

The module trees below mirror the authors' attribute names and registration order (so state_dict
keys come out in the same order); only parameters matter, so forward passes are omitted.
GroupNorm is built with 4 groups instead of 32 so that the channel counts can stay tiny: the group
count does not appear in a checkpoint. Run with Debian's python3-torch: /usr/bin/python3 <this>.
"""
import argparse
import copy
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goldenlib  # noqa: E402

OUT = os.path.join(goldenlib.ROOT, "model", "src", "test", "resources", "ckpt")

# ---------------------------------------------------------------- generator (equ_modeling.py)


class Attention(nn.Module):
    """timm Attention: qkv, (q_norm, k_norm, attn_drop: no parameters), proj."""

    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)


class CrossAttention(nn.Module):
    """MaskedAttentionCrossRoPE: timm Attention whose qkv is replaced by a DxD query projection
    (keeping its place), then k and v are added."""

    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.qkv = nn.Linear(dim, dim, bias=True)
        self.k = nn.Linear(dim, dim, bias=True)
        self.v = nn.Linear(dim, dim, bias=True)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)


class Block(nn.Module):
    """MaskedBlockRoPECrossAttn: timm Block (norm1, attn, norm2, mlp), then attn2, cross_norm,
    cross_cond_norm."""

    def __init__(self, dim, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * mlp_ratio)
        self.attn2 = CrossAttention(dim)
        self.cross_norm = nn.LayerNorm(dim)
        self.cross_cond_norm = nn.LayerNorm(dim)


class TimestepEmbedder(nn.Module):
    def __init__(self, width, freq=256):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(freq, width), nn.SiLU(), nn.Linear(width, width))


class ResBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.in_ln = nn.LayerNorm(width, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 3 * width))


class FinalLayer(nn.Module):
    def __init__(self, width, out):
        super().__init__()
        self.norm_final = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(width, out)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 2 * width))


class SimpleMLPAdaLN(nn.Module):
    def __init__(self, channels, width, z_channels, depth):
        super().__init__()
        self.time_embed = TimestepEmbedder(width)
        self.cond_embed = nn.Linear(z_channels, width)
        self.input_proj = nn.Linear(channels, width)
        self.res_blocks = nn.ModuleList([ResBlock(width) for _ in range(depth)])
        self.final_layer = FinalLayer(width, channels)


class DiffLoss(nn.Module):
    def __init__(self, channels, z_channels, width, depth):
        super().__init__()
        self.net = SimpleMLPAdaLN(channels, width, z_channels, depth)


class Generator(nn.Module):
    """EquivariantGenerativeModel's parameters (encoder_depth + decoder_depth blocks in one stack)."""

    def __init__(self, tokens=4, width=16, depth=2, mlp_ratio=4, buffer=4, classes=5, head_width=16,
                 head_depth=2):
        super().__init__()
        self.class_emb = nn.Embedding(classes, width)
        self.fake_latent = nn.Parameter(torch.randn(1, width) * 0.02)
        self.z_proj = nn.Linear(tokens, width, bias=True)
        self.z_proj_ln = nn.LayerNorm(width, eps=1e-6)
        self.encoder_pos_embed_learned = nn.Parameter(torch.randn(1, buffer, width) * 0.02)
        self.encoder_blocks = nn.ModuleList([Block(width, mlp_ratio) for _ in range(depth)])
        self.encoder_norm = nn.LayerNorm(width, eps=1e-6)
        self.diffloss = DiffLoss(tokens, width, head_width, head_depth)


def randomize(module):
    """Random values everywhere (LayerNorm weights included) so that no tensor compares trivially."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p))


def generator_checkpoint():
    model = Generator()
    randomize(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.02)
    model.diffloss.net.input_proj.weight.sum().backward()
    opt.step()
    ema_params = [p.detach().clone() * 0.5 for p in model.parameters()]

    sd = model.state_dict()
    # as util/misc.py save_model builds it
    ema_sd = copy.deepcopy(model.state_dict())
    for (name, _), value in zip(model.named_parameters(), ema_params):
        ema_sd[name] = value
    # reader coverage, saved as-is: half, bfloat16, a transposed view, a strided slice with an offset
    sd["z_proj.weight"] = sd["z_proj.weight"].to(torch.float16)
    sd["encoder_pos_embed_learned"] = sd["encoder_pos_embed_learned"].to(torch.bfloat16)
    fc1 = sd["encoder_blocks.0.mlp.fc1.weight"]  # [64, 16]
    sd["encoder_blocks.0.mlp.fc1.weight"] = fc1.t().contiguous().t()  # same values, strides (1, 64)
    assert not sd["encoder_blocks.0.mlp.fc1.weight"].is_contiguous()
    bias = sd["diffloss.net.cond_embed.bias"]  # [16]
    backing = torch.randn(5, 2 * bias.numel())
    backing[3, 0::2] = bias
    sd["diffloss.net.cond_embed.bias"] = backing[3, 0::2]  # offset 32, stride 2
    assert sd["diffloss.net.cond_embed.bias"].storage_offset() == 3 * 2 * bias.numel()

    args = argparse.Namespace(model="large_model", buffer_size=4, diffloss_d=2, diffloss_w=16,
                              cond_length=3, ema_rate=0.9999, class_num=5, output_dir="./output")
    scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
              "_growth_tracker": 0}
    return {"model": sd, "model_ema": ema_sd, "optimizer": opt.state_dict(), "epoch": 3,
            "scaler": scaler, "args": args}


# ---------------------------------------------------------------- tokenizer (diffusionmodules/model.py)

def Normalize(c):
    return nn.GroupNorm(num_groups=4, num_channels=c, eps=1e-6, affine=True)


class ResnetBlock(nn.Module):
    """temb_channels=0: no temb_proj; nin_shortcut (1x1) when the channel count changes."""

    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = Normalize(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect")
        self.norm2 = Normalize(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, padding_mode="reflect")
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)


class AttnBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = Normalize(c)
        self.q = nn.Conv2d(c, c, 1)
        self.k = nn.Conv2d(c, c, 1)
        self.v = nn.Conv2d(c, c, 1)
        self.proj_out = nn.Conv2d(c, c, 1)


class ShuffleConv(nn.Module):
    """DownsampleShuffle / UpsampleShuffle: one 3x3 conv changing the channels by the shuffle
    factor (4 for a (2,2) stride, 2 for (2,1))."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect")


class ShuffleResidual(nn.Module):
    """DownsampleShuffleResidual / UpsampleShuffleResidual: .conv is the shuffle module."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = ShuffleConv(cin, cout)


class Mid(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block_1 = ResnetBlock(c, c)
        self.attn_1 = AttnBlock(c)
        self.block_2 = ResnetBlock(c, c)


class Level(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.ModuleList()
        self.attn = nn.ModuleList()


class Encoder1D(nn.Module):
    """EquivariantTokenizerEncoder1D (double_enc false)."""

    def __init__(self, ch, ch_mult, num_res_blocks, attn_resolutions, resolution, z_channels, len_down_scale,
                 in_channels=3):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, ch, 3, padding=1, padding_mode="reflect")
        res = resolution
        in_mult = (1,) + tuple(ch_mult)
        self.down = nn.ModuleList()
        for i, mult in enumerate(ch_mult):
            level = Level()
            cin, cout = ch * in_mult[i], ch * mult
            for _ in range(num_res_blocks):
                level.block.append(ResnetBlock(cin, cout))
                cin = cout
                if res in attn_resolutions:
                    level.attn.append(AttnBlock(cin))
            if i != len(ch_mult) - 1:
                factor = 4 if i <= len_down_scale - 1 else 2
                level.downsample = ShuffleResidual(cin, cin // factor)
                res //= 2
            self.down.append(level)
        self.mid = Mid(cin)
        self.norm_out = Normalize(cin)
        self.conv_out = nn.Conv2d(cin, z_channels, 3, padding=1, padding_mode="reflect")
        post = z_channels * res
        self.encoder1d = nn.Conv1d(post, post, 3, padding=1, padding_mode="reflect")


class Decoder1D(nn.Module):
    """EquivariantTokenizerDecoder1D."""

    def __init__(self, ch, ch_mult, num_res_blocks, attn_resolutions, resolution, z_channels, len_down_scale,
                 out_ch=3):
        super().__init__()
        cin = ch * ch_mult[-1]
        res = resolution // 2 ** (len(ch_mult) - 1)
        self.conv_in = nn.Conv2d(z_channels, cin, 3, padding=1, padding_mode="reflect")
        self.mid = Mid(cin)
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch_mult))):
            level = Level()
            cout = ch * ch_mult[i]
            for _ in range(num_res_blocks + 1):
                level.block.append(ResnetBlock(cin, cout))
                cin = cout
                if res in attn_resolutions:
                    level.attn.append(AttnBlock(cin))
            if i != 0:
                factor = 4 if i <= len_down_scale else 2
                level.upsample = ShuffleResidual(cin, cin * factor)
                res *= 2
            self.up.insert(0, level)
        self.norm_out = Normalize(cin)
        self.conv_out = nn.Conv2d(cin, out_ch, 3, padding=1, padding_mode="reflect")
        post = (resolution // 2 ** (len(ch_mult) - 1)) * z_channels
        self.decoder1d = nn.Conv1d(post, post, 3, padding=1, padding_mode="reflect")


class SemanticDecoder1D(nn.Module):
    """EquivariantTokenizerSemanticDecoder1D (downsample_scale 0, no attention)."""

    def __init__(self, ch, ch_mult, num_res_blocks, out_ch):
        super().__init__()
        out_mult = tuple(ch_mult) + (out_ch // ch,)
        self.down = nn.ModuleList()
        for i, mult in enumerate(ch_mult):
            level = Level()
            cin, cout = ch * mult, ch * out_mult[i + 1]
            for _ in range(num_res_blocks + 1):
                level.block.append(ResnetBlock(cin, cout))
                cin = cout
            self.down.append(level)
        self.norm_out = Normalize(cin)
        self.conv_out = nn.Conv2d(cin, out_ch, 3, padding=1, padding_mode="reflect")


class LitEma(nn.Module):
    """tokenizer/ema.py: decay, num_updates, then one buffer per trainable parameter, named
    without dots."""

    def __init__(self, model, decay):
        super().__init__()
        self.register_buffer("decay", torch.tensor(decay, dtype=torch.float32))
        self.register_buffer("num_updates", torch.tensor(0, dtype=torch.int))
        for name, p in model.named_parameters():
            self.register_buffer(name.replace(".", ""), p.clone().detach().data)


class LossStub(nn.Module):
    """A few entries of LPIPSWithDiscriminator's state, which Lightning saves with the model."""

    def __init__(self):
        super().__init__()
        self.logvar = nn.Parameter(torch.zeros(()))
        self.perceptual_loss = nn.Module()
        self.perceptual_loss.scaling_layer = nn.Module()
        self.perceptual_loss.scaling_layer.register_buffer(
            "shift", torch.tensor([-.030, -.088, -.188])[None, :, None, None])
        self.discriminator = nn.Module()
        self.discriminator.bn = nn.BatchNorm1d(4)  # running stats and an int64 num_batches_tracked


TOKENIZER = dict(ch=4, ch_mult=(1, 2), num_res_blocks=1, attn_resolutions=(4,), resolution=8, z_channels=2,
                 len_down_scale=1)
SEMANTIC = dict(ch=2, ch_mult=(4, 4), num_res_blocks=1, out_ch=8)
EMBED_DIM = 4


class Tokenizer(nn.Module):
    """EquivariantTokenizer (LightningModule) with use_ema: modules in the authors' order."""

    def __init__(self):
        super().__init__()
        self.encoder = Encoder1D(**TOKENIZER)
        self.decoder = Decoder1D(**TOKENIZER)
        self.semantic_decoder = SemanticDecoder1D(**SEMANTIC)
        self.loss = LossStub()
        post = TOKENIZER["z_channels"] * (TOKENIZER["resolution"] // 2 ** (len(TOKENIZER["ch_mult"]) - 1))
        self.quant_layer = nn.Conv1d(post, EMBED_DIM, 3, padding=1, padding_mode="reflect")
        self.post_quant_layer = nn.Conv1d(EMBED_DIM, post, 3, padding=1, padding_mode="reflect")
        randomize(self)
        self.ema_encoder = LitEma(self.encoder, 0.99)
        self.ema_decoder = LitEma(self.decoder, 0.99)
        self.ema_semantic_decoder = LitEma(self.semantic_decoder, 0.99)
        self.ema_quant_layer = LitEma(self.quant_layer, 0.99)
        self.ema_post_quant_layer = LitEma(self.post_quant_layer, 0.99)


def tokenizer_checkpoint():
    model = Tokenizer()
    with torch.no_grad():  # EMA copies that differ from the weights, as after training
        for ema in (model.ema_encoder, model.ema_decoder, model.ema_semantic_decoder, model.ema_quant_layer,
                    model.ema_post_quant_layer):
            ema.num_updates.fill_(1234)
            for name, b in ema.named_buffers():
                if name not in ("decay", "num_updates"):
                    b.mul_(0.5).add_(0.25)
        model.loss.discriminator.bn.running_mean.normal_()
        model.loss.discriminator.bn.num_batches_tracked.fill_(77)
    opt = torch.optim.Adam(model.encoder.parameters(), lr=1.92e-4, betas=(0.5, 0.9))
    model.encoder.conv_in.weight.sum().backward()
    opt.step()
    return {
        "epoch": 12,
        "global_step": 34567,
        "pytorch-lightning_version": "1.4.2",
        "state_dict": model.state_dict(),
        "callbacks": {
            "ModelCheckpoint{'monitor': 'val/rec_loss', 'mode': 'min', 'every_n_train_steps': 0}": {
                "monitor": "val/rec_loss", "best_model_score": torch.tensor(0.0421),
                "best_model_path": "logs/checkpoints/epoch=000012.ckpt", "current_score": torch.tensor(0.05),
                "dirpath": "logs/checkpoints", "best_k_models": {}, "kth_best_model_path": "",
                "kth_value": torch.tensor(float("inf")), "last_model_path": "logs/checkpoints/last.ckpt"},
        },
        "optimizer_states": [opt.state_dict()],
        "lr_schedulers": [{"base_lrs": [1.92e-4], "last_epoch": 34567, "_step_count": 34568, "verbose": False,
                           "_get_lr_called_within_step": False, "_last_lr": [1.92e-4 * 0.2], "lr_lambdas": [None]}],
        "hparams_name": "kwargs",
        "hyper_parameters": {"ddconfig": dict(TOKENIZER, double_enc=False, in_channels=3, out_ch=3, dropout=0.0,
                                              semantic_map="res"),
                             "sematicconfig": SEMANTIC, "embed_dim": EMBED_DIM, "use_ema": True,
                             "ema_decay": 0.99, "post_channels": 8, "std": 2.5, "image_key": "image",
                             "ignore_keys": [], "ckpt_path": None},
    }


# ---------------------------------------------------------------- writing


def tensors_by_path(obj, prefix=""):
    """Every tensor in a nested structure, keyed like the Java reader names them ('a/b/c')."""
    found = {}
    if torch.is_tensor(obj):
        found[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            found.update(tensors_by_path(v, f"{prefix}/{k}" if prefix else str(k)))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            found.update(tensors_by_path(v, f"{prefix}/{i}" if prefix else str(i)))
    return found


def pickle_coverage():
    """Plain Python values of every kind torch.save pickles, around a float32 tensor, a bfloat16
    column view and a scalar, for checking the pickle machine under protocols 2 and 4."""
    grid = torch.randn(3, 5)
    return {"tensors": {"grid": grid, "column": grid.to(torch.bfloat16)[:, 1], "scalar": torch.tensor(2.5)},
            "meta": {"text": "héllo", "bytes": b"\x00\xffab", "big": 2 ** 70, "negative": -5, "large": 70000,
                     "float": 1.5, "flags": [True, False, None], "tuple": (1, "a"), "set": {3},
                     "nested": {7: "int key"}},
            "shared": [grid, grid]}


def write(name, ckpt, golden, **save_args):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".ckpt")
    torch.save(ckpt, path, **save_args)
    expected = {}
    for key, t in tensors_by_path(ckpt).items():
        expected[key] = t.to(torch.int32) if not t.is_floating_point() else t.to(torch.float32)
    goldenlib.save("ckpt_expected_" + golden, expected, module="model")
    print("wrote", os.path.relpath(path, goldenlib.ROOT), os.path.getsize(path), "bytes,", len(expected), "tensors")


if __name__ == "__main__":
    goldenlib.setup()
    write("generator_tiny", generator_checkpoint(), "generator")
    write("tokenizer_tiny", tokenizer_checkpoint(), "tokenizer")
    coverage = pickle_coverage()
    write("pickle_protocol2", coverage, "pickle")
    write("pickle_protocol4", coverage, "pickle", pickle_protocol=4)
    legacy = os.path.join(OUT, "legacy_format.pth")  # must be refused with a clear message
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)

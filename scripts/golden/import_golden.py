"""Outputs of the tiny authors'-format generator checkpoint (model/src/test/resources/ckpt/generator_tiny.ckpt,
written by make_ckpts.py), computed by PyTorch with the reference model of generator_ref.py: the conditions z
(forward_encoder in eval mode) of fixed tokens and a sample for fixed noise with guidance, both from the
EMA weights, so the Java import can be checked end to end (GeneratorImportTest)."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goldenlib  # noqa: E402
import generator_ref as ref  # noqa: E402

goldenlib.setup()
ckpt = torch.load(os.path.join(goldenlib.ROOT, "model/src/test/resources/ckpt/generator_tiny.ckpt"), map_location="cpu")
ema = {k: v.float().contiguous() for k, v in ckpt["model_ema"].items()}
width = ema["z_proj.weight"].shape[0]
cfg = ref.GeneratorConfig(
    token_channels=ema["z_proj.weight"].shape[1], width=width,
    depth=len({k.split(".")[1] for k in ema if k.startswith("encoder_blocks.")}), heads=2,
    buffer_size=ema["encoder_pos_embed_learned"].shape[1], window=3, num_classes=ema["class_emb.weight"].shape[0],
    head_width=ema["diffloss.net.input_proj.weight"].shape[0],
    head_depth=len({k.split(".")[3] for k in ema if k.startswith("diffloss.net.res_blocks.")}), seq_len=6)
model = ref.EquivariantGenerator(cfg)
model.load_state_dict(ema, strict=True)
model.eval()
g = torch.Generator().manual_seed(3)
B, L, C = 2, 7, cfg.token_channels
tokens = torch.randn(B, L, C, generator=g)
labels = torch.tensor([1, 4])
with torch.no_grad():
    z = model.forward_encoder(tokens, model.class_emb(labels))
    noise = torch.randn(L, B, C, generator=g)
    sample = model.sample_tokens(labels, L, cfg=2.5, flow_steps=4, noise=noise)
goldenlib.save("import_generator", {"tokens": tokens, "labels": labels, "z": z, "noise": noise, "sample": sample},
               module="model", metadata={"heads": 2, "window": 3, "cfg": 2.5, "flow_steps": 4})

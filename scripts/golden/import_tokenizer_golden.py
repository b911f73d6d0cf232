"""Outputs of the tiny authors'-format tokenizer checkpoint (model/src/test/resources/ckpt/tokenizer_tiny.ckpt,
written by make_ckpts.py), computed by PyTorch with the plain-torch port of tokenizer_golden.py, so the Java
import can be checked end to end (TokenizerImportTest, runtime ImageGeneratorTest).

The checkpoint's state_dict is loaded, then every EMA copy (ema_<module>.<name without dots>) is put in
place of the weight it shadows, as the authors' init_from_ckpt (stage2) / ema_scope do. Then:
  image (2,3,8,16) -> tokens (2,8,4) (posterior means) -> recon;
  wide_tokens (1,24,4), 3x the trained length -> wide_recon (1,3,8,48);
  generated: the generator golden's sample (import_generator.safetensors, from generator_tiny.ckpt with
  fixed noise), divided by vae_norm and decoded: the whole generate pipeline.
The checkpoint's GroupNorm uses 4 groups (make_ckpts.py). Writes
model/src/test/resources/golden/import_tokenizer.safetensors."""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goldenlib  # noqa: E402
import tokenizer_golden as port  # noqa: E402

CKPT = os.path.join(goldenlib.ROOT, "model/src/test/resources/ckpt/tokenizer_tiny.ckpt")
GENERATOR_GOLDEN = os.path.join(goldenlib.ROOT, "model/src/test/resources/golden/import_generator.safetensors")
# make_ckpts.py TOKENIZER / EMBED_DIM, with its 4 GroupNorm groups
CONFIG = dict(resolution=8, in_channels=3, ch=4, ch_mult=(1, 2), num_res_blocks=1, attn_resolutions=(4,),
              z_channels=2, embed_dim=4, groups=4)
VAE_NORM = 0.05493
MODULES = ("encoder", "decoder", "quant_layer", "post_quant_layer")


def read_safetensors(path):
    """The F32 tensors of a safetensors file (goldenlib writes only F32 and I32)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, h in header.items():
        if key == "__metadata__":
            continue
        start, end = h["data_offsets"]
        dtype = torch.float32 if h["dtype"] == "F32" else torch.int32
        out[key] = torch.frombuffer(bytearray(data[start:end]), dtype=dtype).reshape(h["shape"])
    return out


def ema_weights(state_dict):
    """The inference weights: each module parameter replaced by its LitEma copy."""
    weights = {}
    for key, value in state_dict.items():
        module, _, rest = key.partition(".")
        if module in MODULES:
            weights[key] = state_dict["ema_" + module + "." + rest.replace(".", "")].float()
    return weights


def main():
    goldenlib.setup()
    sd = torch.load(CKPT, map_location="cpu")["state_dict"]
    model = port.Tokenizer(CONFIG)
    model.load_state_dict(ema_weights(sd), strict=True)
    model.eval()
    g = torch.Generator().manual_seed(11)
    image = torch.rand(2, 3, 8, 16, generator=g) * 2 - 1
    wide_tokens = torch.randn(1, 24, CONFIG["embed_dim"], generator=g)
    sample = read_safetensors(GENERATOR_GOLDEN)["sample"]
    with torch.no_grad():
        tokens = model.encode(image)
        recon = model.decode(tokens)
        wide_recon = model.decode(wide_tokens)
        generated = model.decode(sample / VAE_NORM)
    print("tokens", tuple(tokens.shape), "wide", tuple(wide_recon.shape), "generated", tuple(generated.shape))
    goldenlib.save("import_tokenizer", {"image": image, "tokens": tokens, "recon": recon, "wide_tokens": wide_tokens,
                                        "wide_recon": wide_recon, "sample": sample, "generated": generated},
                   module="model", metadata={"groups": CONFIG["groups"], "vae_norm": VAE_NORM})


if __name__ == "__main__":
    main()

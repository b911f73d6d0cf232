"""Golden files for the Java generator: one training step + 10 AdamW steps, and the authors' sampler.

Writes model/src/test/resources/golden/
  generator_train.safetensors   param.<key> (authors' state_dict keys), tokens, labels, drop_mask, shift,
                                noise, t, z, loss, grad.<key>, step_losses, grad_norm0, grad_norms
                                (pre-clip norm of each of the 10 steps), param_after.<key>
  generator_sample.safetensors  param.<key> (same values), sample_<case>_{labels,noise,tokens,cfg} for
                                cases L6 (cfg 3), L9 (cfg 3, longer than training), L6_nocfg (cfg 1), all
                                with the authors' default "linear" guidance schedule, and L6_constant
                                (cfg 3, "constant" schedule); metadata cases and cfg_schedules name them
Config and settings are in the safetensors metadata (GeneratorConfig.fromMetadata keys + extras).

Parameters and inputs are float32 values; every result is computed in float64 from them (the model
math is the authors', see generator_ref.py) and stored as float32, so the Java float32 error is
measured against an (almost) exact reference. Dropouts are 0; the label drop and RoPE shift are the
injected drop_mask and shift. Note: attn2.k.bias has an exactly-zero true gradient (softmax ignores a
per-query constant): its stored gradient is ~1e-20 and a float32 port gets rounding noise (~1e-12
here), which Adam (eps 1e-8) turns into negligible steps; compare it with an absolute tolerance.
Checked: the authors' own code (float32, timm 0.9.12 layers) on these files' params and inputs gives
z within 5e-7, gradients within 1e-6 relative, param_after within 5e-6 and samples within 3e-7.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goldenlib  # noqa: E402
from generator_ref import EquivariantGenerator, GeneratorConfig, make_optimizer, random_init  # noqa: E402

CONFIG = GeneratorConfig(token_channels=8, width=64, depth=2, heads=4, mlp_ratio=4, buffer_size=4, window=3,
                         shift_range=16, num_classes=10, head_width=32, head_depth=2, diffusion_batch_mul=2,
                         seq_len=6, label_drop_prob=0.1, attn_dropout=0.0, proj_dropout=0.0)
BATCH = 3
DROP_MASK = [0, 1, 0]
SHIFT = 5
# Token scale chosen so the total gradient norm starts above the clip (3.0) and falls below it by
# step 3: the first AdamW steps are clipped, the later ones are not.
TOKEN_SCALE = 1.6
LR, BETAS, EPS, WEIGHT_DECAY, CLIP = 1e-3, (0.9, 0.95), 1e-8, 0.02, 3.0
ADAM_STEPS = 10
FLOW_STEPS = 5
SAMPLE_LABELS = [2, 9]
# (name, tokens, cfg, cfg_schedule); new cases go last so the earlier cases keep their noise
SAMPLE_CASES = [("L6", 6, 3.0, "linear"), ("L9", 9, 3.0, "linear"), ("L6_nocfg", 6, 1.0, "linear"),
                ("L6_constant", 6, 3.0, "constant")]


def build_model():
    """float32 random non-zero parameters (returned as a dict), and a float64 model holding them."""
    model = EquivariantGenerator(CONFIG)
    random_init(model, torch.Generator().manual_seed(1234))
    params32 = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return params32, model.double()


def with_prefix(prefix, tensors):
    return {prefix + k: v for k, v in tensors.items()}


def metadata(**extra):
    meta = {"kind": "eim-generator", **CONFIG.metadata(), "reference_dtype": "float64"}
    meta.update({k: str(v) for k, v in extra.items()})
    return meta


def train_golden(params32, model):
    cfg = CONFIG
    rows = cfg.diffusion_batch_mul * BATCH * cfg.seq_len
    g = torch.Generator().manual_seed(99)
    tokens = TOKEN_SCALE * torch.randn(BATCH, cfg.seq_len, cfg.token_channels, generator=g)
    labels = torch.randint(0, cfg.num_classes, (BATCH,), generator=g)
    drop_mask = torch.tensor(DROP_MASK)
    noise = torch.randn(rows, cfg.token_channels, generator=g)
    t = torch.rand(rows, generator=g)
    inputs = (tokens.double(), labels, drop_mask, SHIFT, noise.double(), t.double())

    model.train()
    z = model.forward_encoder(inputs[0], model.class_embedding(labels, drop_mask), SHIFT)
    loss = model.forward_loss(z, inputs[0], inputs[4], inputs[5])
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}

    optimizer = make_optimizer(model, LR, WEIGHT_DECAY)
    assert optimizer.defaults["betas"] == BETAS and optimizer.defaults["eps"] == EPS
    step_losses, grad_norms = [], []
    for _ in range(ADAM_STEPS):
        optimizer.zero_grad()
        step_loss = model(*inputs)
        step_loss.backward()
        grad_norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP).item())
        optimizer.step()
        step_losses.append(step_loss.item())
    assert abs(step_losses[0] - loss.item()) < 1e-12
    print(f"loss {loss.item():.6f}, grad norms {[round(x, 3) for x in grad_norms]} (clip {CLIP})")
    print("step losses", [round(x, 5) for x in step_losses])

    tensors = {**with_prefix("param.", params32),
               "tokens": tokens, "labels": labels, "drop_mask": drop_mask, "shift": torch.tensor([SHIFT]),
               "noise": noise, "t": t, "z": z, "loss": loss.reshape(1),
               **with_prefix("grad.", grads),
               "step_losses": torch.tensor(step_losses), "grad_norm0": torch.tensor([grad_norms[0]]),
               "grad_norms": torch.tensor(grad_norms),
               **with_prefix("param_after.", model.state_dict())}
    goldenlib.save("generator_train", tensors, module="model",
                   metadata=metadata(batch=BATCH, lr=LR, beta1=BETAS[0], beta2=BETAS[1], adam_eps=EPS,
                                     weight_decay=WEIGHT_DECAY, clip_grad_norm=CLIP, adam_steps=ADAM_STEPS))


def sample_golden(params32, model):
    model.load_state_dict({k: v.double() for k, v in params32.items()})
    model.eval()
    labels = torch.tensor(SAMPLE_LABELS)
    g = torch.Generator().manual_seed(7)
    tensors = with_prefix("param.", params32)
    for name, length, cfg, schedule in SAMPLE_CASES:
        noise = torch.randn(length, len(SAMPLE_LABELS), CONFIG.token_channels, generator=g)   # (L, B, C)
        tokens = model.sample_tokens(labels, length, cfg=cfg, cfg_schedule=schedule, flow_steps=FLOW_STEPS,
                                     noise=noise.double())
        print(f"sample {name}: |tokens| max {tokens.abs().max().item():.4f}")
        tensors.update({f"sample_{name}_labels": labels, f"sample_{name}_noise": noise,
                        f"sample_{name}_tokens": tokens, f"sample_{name}_cfg": torch.tensor([cfg])})
    goldenlib.save("generator_sample", tensors, module="model",
                   metadata=metadata(flow_steps=FLOW_STEPS, cases=",".join(c[0] for c in SAMPLE_CASES),
                                     cfg_schedules=",".join(c[3] for c in SAMPLE_CASES)))


def main():
    goldenlib.setup()
    params32, model = build_model()
    train_golden(params32, model)
    _, model = build_model()
    sample_golden(params32, model)


if __name__ == "__main__":
    main()

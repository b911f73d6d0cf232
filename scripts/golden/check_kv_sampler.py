#!/usr/bin/env python3
"""Checks that generator_ref.sample_tokens_kv (the PyTorch baseline's key/value-cache sampler, with and
without batched modulations) gives the tokens of the authors' full-recompute sample_tokens, for windowed
and full causal attention, with and without guidance. Needs torch; run with /usr/bin/python3 scripts/golden/check_kv_sampler.py."""
import dataclasses
import sys

import torch

from generator_ref import PRESETS, EquivariantGenerator, random_init

worst = 0.0
for window in (3, 0):
    cfg = dataclasses.replace(PRESETS["tiny"], depth=2, num_classes=5, window=window)
    model = EquivariantGenerator(cfg)
    random_init(model, torch.Generator().manual_seed(1))
    model.eval()
    labels = torch.tensor([1, 3])
    for guidance in (1.0, 3.0):
        for schedule in ("linear", "constant"):
            args = dict(cfg=guidance, cfg_schedule=schedule, flow_steps=5)
            full = model.sample_tokens(labels, 9, generator=torch.Generator().manual_seed(5), **args)
            for batched in (False, True):
                kv = model.sample_tokens_kv(labels, 9, generator=torch.Generator().manual_seed(5),
                                            batched_modulations=batched, **args)
                err = ((full - kv).abs().max() / full.abs().max()).item()
                worst = max(worst, err)
                what = "kv, batched modulations" if batched else "kv"
                print(f"window {window} cfg {guidance} {schedule:8s} {what:24s} max relative difference {err:.2e}")
ok = worst < 1e-5
print("OK" if ok else "FAIL", f"(worst {worst:.2e}, limit 1e-5)")
sys.exit(0 if ok else 1)

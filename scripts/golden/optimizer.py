"""Golden for eim.tasks.kernels.Optimizer: the authors' training update on two parameters.

A weight (decayed, wd 0.02) and a bias (no decay) in two AdamW param groups, betas (0.9, 0.95);
each step: clip_grad_norm_(max 3.0) -> AdamW step -> update_ema(rate). Gradients are scaled so that
some steps clip and one does not. Everything after each step is stored for the Java test.
"""
import torch

from goldenlib import save, setup

setup()
STEPS, LR, BETAS, EPS, WD, MAX_NORM, RATE = 4, 0.01, (0.9, 0.95), 1e-8, 0.02, 3.0, 0.9
GRAD_SCALES = [2.0, 0.2, 5.0, 1.0]  # total norms about 11, 1.1, 27, 5.5: step 2 does not clip

weight = torch.nn.Parameter(torch.randn(6, 5))
bias = torch.nn.Parameter(torch.randn(5))
init_w, init_b = weight.detach().clone(), bias.detach().clone()
opt = torch.optim.AdamW([{"params": [weight], "weight_decay": WD}, {"params": [bias], "weight_decay": 0.0}],
                        lr=LR, betas=BETAS, eps=EPS)
ema = [weight.detach().clone(), bias.detach().clone()]

grads_w, grads_b, norms, out_w, out_b, ema_w, ema_b = [], [], [], [], [], [], []
for step in range(STEPS):
    gw = torch.randn(6, 5) * GRAD_SCALES[step]
    gb = torch.randn(5) * GRAD_SCALES[step]
    grads_w.append(gw.clone())
    grads_b.append(gb.clone())
    weight.grad, bias.grad = gw, gb
    norms.append(torch.nn.utils.clip_grad_norm_([weight, bias], MAX_NORM))
    opt.step()
    opt.zero_grad()
    for targ, src in zip(ema, [weight, bias]):  # the authors' update_ema
        targ.mul_(RATE).add_(src.detach(), alpha=1 - RATE)
    out_w.append(weight.detach().clone())
    out_b.append(bias.detach().clone())
    ema_w.append(ema[0].clone())
    ema_b.append(ema[1].clone())

state_w, state_b = opt.state[weight], opt.state[bias]
save("optimizer", {
    "init_w": init_w, "init_b": init_b,
    "grad_w": torch.stack(grads_w), "grad_b": torch.stack(grads_b),
    "norm": torch.stack(norms),
    "w": torch.stack(out_w), "b": torch.stack(out_b),
    "ema_w": torch.stack(ema_w), "ema_b": torch.stack(ema_b),
    "m_w": state_w["exp_avg"], "v_w": state_w["exp_avg_sq"],
    "m_b": state_b["exp_avg"], "v_b": state_b["exp_avg_sq"],
    "steps": torch.tensor([STEPS], dtype=torch.int32),
    "lr": [LR], "beta1": [BETAS[0]], "beta2": [BETAS[1]], "eps": [EPS], "wd": [WD],
    "max_norm": [MAX_NORM], "rate": [RATE],
})
print("norms", [round(float(n), 4) for n in norms])

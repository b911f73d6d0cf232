"""Golden values for the tokenizer's kernels (tornado-tasks Conv2dTest, GroupNormTest,
PixelShuffleTest, ChannelGroupsTest, SpatialAttentionTest): PyTorch forward outputs and the
gradients of sum(y * g) for a random upstream g. Pixel shuffles and the attention follow the
authors' tokenizer/modules/diffusionmodules/model.py definitions."""
import torch
import torch.nn.functional as F

import goldenlib


def leaf(*shape):
    return torch.randn(*shape, requires_grad=True)


def grads(y, inputs):
    g = torch.randn_like(y)
    return g, torch.autograd.grad((y * g).sum(), inputs)


def authors_pixel_shuffle(x):
    bs, c, h, w = x.shape
    co = c // 4
    return x.view(bs, co, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(bs, co, h * 2, w * 2)


def authors_pixel_unshuffle(x):
    bs, c, h, w = x.shape
    return x.view(bs, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(bs, c * 4, h // 2, w // 2)


def conv_case(out, prefix, x, w, b, conv):
    y = conv(x, w, b)
    g, (dx, dw, db) = grads(y, (x, w, b))
    out.update({prefix + "x": x, prefix + "w": w, prefix + "b": b, prefix + "g": g, prefix + "y": y,
                prefix + "dx": dx, prefix + "dw": dw, prefix + "db": db})


def main():
    goldenlib.setup()
    out = {}
    # conv 3x3 reflect: W = 11 exercises an 8-lane vector plus a tail
    conv_case(out, "c3_", leaf(2, 3, 5, 11), leaf(5, 3, 3, 3), leaf(5),
              lambda x, w, b: F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), w, b))
    conv_case(out, "c1_", leaf(2, 6, 3, 9), leaf(5, 6, 1, 1), leaf(5), F.conv2d)
    # Conv1d k=3 reflect along a sequence of 10
    conv_case(out, "c1d_", leaf(2, 7, 10), leaf(5, 7, 3), leaf(5),
              lambda x, w, b: F.conv1d(F.pad(x, (1, 1), mode="reflect"), w, b))

    for prefix, silu in (("gn_", False), ("gns_", True)):
        x = leaf(2, 8, 3, 5)
        gamma = (1 + 0.3 * torch.randn(8)).requires_grad_()
        beta = (0.3 * torch.randn(8)).requires_grad_()
        y = F.group_norm(x, 4, gamma, beta, eps=1e-6)
        if silu:
            y = y * torch.sigmoid(y)
        g, (dx, dgamma, dbeta) = grads(y, (x, gamma, beta))
        out.update({prefix + "x": x, prefix + "gamma": gamma, prefix + "beta": beta, prefix + "g": g,
                    prefix + "y": y, prefix + "dx": dx, prefix + "dgamma": dgamma, prefix + "dbeta": dbeta})

    x = leaf(2, 12, 3, 4)
    y = authors_pixel_shuffle(x)
    g, (dx,) = grads(y, (x,))
    out.update({"ps_x": x, "ps_y": y, "ps_g": g, "ps_dx": dx})
    x = leaf(2, 3, 6, 8)
    y = authors_pixel_unshuffle(x)
    g, (dx,) = grads(y, (x,))
    out.update({"pu_x": x, "pu_y": y, "pu_g": g, "pu_dx": dx})

    # residual paths of UpsampleShuffleResidual / DownsampleShuffleResidual
    x = leaf(2, 3, 4, 5)
    y = x.repeat_interleave(4, dim=1)
    g, (dx,) = grads(y, (x,))
    out.update({"ri_x": x, "ri_y": y, "ri_g": g, "ri_dx": dx})
    x = leaf(2, 12, 4, 5)
    y = x.view(2, 3, 4, 4, 5).mean(dim=2)
    g, (dx,) = grads(y, (x,))
    out.update({"gm_x": x, "gm_y": y, "gm_g": g, "gm_dx": dx})

    # AttnBlock core on (B, C, N) channel-major q, k, v
    b, c, n = 2, 6, 12
    q, k, v = leaf(b, c, n), leaf(b, c, n), leaf(b, c, n)
    w_ = torch.bmm(q.permute(0, 2, 1), k) * (int(c) ** (-0.5))
    w_ = torch.softmax(w_, dim=2)
    y = torch.bmm(v, w_.permute(0, 2, 1))
    g, (dq, dk, dv) = grads(y, (q, k, v))
    out.update({"sa_q": q, "sa_k": k, "sa_v": v, "sa_y": y, "sa_g": g, "sa_dq": dq, "sa_dk": dk, "sa_dv": dv})

    goldenlib.save("tokenizer_ops", out)


if __name__ == "__main__":
    main()

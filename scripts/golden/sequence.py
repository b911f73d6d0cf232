"""Golden for eim.tasks.kernels.Sequence: the authors' x[:, S-1:-1] (the hidden state before each
token) and the gradient it sends back, via autograd."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goldenlib  # noqa: E402

goldenlib.setup()
B, S, L, D = 2, 3, 5, 7
xc = torch.randn(B, S, D, requires_grad=True)
xi = torch.randn(B, L, D, requires_grad=True)
z = torch.cat([xc, xi], dim=1)[:, S - 1:-1]
dz = torch.randn(B, L, D)
z.backward(dz)
goldenlib.save("ops_sequence", {"xc": xc, "xi": xi, "z": z, "dz": dz, "dxc": xc.grad, "dxi": xi.grad})

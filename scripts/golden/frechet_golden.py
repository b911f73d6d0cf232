#!/usr/bin/env python3
# Writes runtime/src/test/resources/eval/frechet-numpy.json (run from the repository root with /usr/bin/python3).
# Committed features and their Fréchet distance from NumPy (pytorch-fid's formula, eigen route).
import json, numpy as np
rng = np.random.default_rng(7)
d = 6
A = rng.normal(size=(40, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
B = rng.normal(size=(55, d)) @ rng.normal(size=(d, d)) * 0.7 + rng.normal(size=d)
def fd(a, b):
    m1, m2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s1); r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    lam = np.linalg.eigvalsh(r1 @ s2 @ r1)
    # cross-check with the product's eigenvalues (complex-safe): same trace of the square root
    lam2 = np.linalg.eigvals(s1 @ s2)
    assert abs(np.sqrt(np.clip(lam, 0, None)).sum() - np.sqrt(lam2.astype(complex)).real.sum()) < 1e-8
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(lam, 0, None)).sum())
json.dump({"a": A.tolist(), "b": B.tolist(), "fd": fd(A, B), "fd_aa": fd(A, A),
           "note": "numpy " + np.__version__ + ", np.cov(rowvar=False), trace of sqrt via eigvalsh, checked against eigvals(S1 S2)"},
          open("runtime/src/test/resources/eval/frechet-numpy.json", "w"), indent=0)
print(fd(A, B))

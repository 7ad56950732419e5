#!/usr/bin/python3
"""Writes expected.txt, what PyTorch's BatchNorm3d does over several training steps and then in
inference, for tests/unit/nn/test_norm_running_stats.cpp (voxtrain's Norm layer, batch norm).

voxtrain's Norm keeps running averages as PyTorch does: running = (1 - m) * running + m * batch
with m = 0.1 (NiftyNet's TF moving_decay 0.9 is the same weight on the newest batch), and the
running variance takes the UNBIASED batch variance (n / (n - 1), n = N * D * H * W), while the
training-mode output normalises with the biased one. The steps use different batch sizes and
spatial shapes (one has N = 1), so a wrong n shows.

expected.txt, one record a line (float32 values printed exactly):
  layer CHANNELS MOMENTUM EPSILON
  gamma C values / beta C values
  step K train|eval SHAPE(5 numbers)
  x ...        the input, NCDHW row-major
  y ...        the output
  running_mean C values / running_var C values   after this step

Produced with PyTorch 1.13.1 (Debian 12's python3-torch 1.13.1+dfsg-4, whose torch.__version__
reads 1.13.0a0) and numpy 1.24 by
  /usr/bin/python3 tests/data/batchnorm/make_fixtures.py
The file is committed; rerun only to change it (the data is seeded).
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CHANNELS = 3
MOMENTUM = 0.1
EPSILON = 1e-5
# (mode, shape): four training steps of different sizes, then inference twice.
STEPS = [
    ("train", (2, CHANNELS, 3, 4, 2)),
    ("train", (1, CHANNELS, 2, 3, 3)),
    ("train", (3, CHANNELS, 2, 2, 2)),
    ("train", (2, CHANNELS, 4, 3, 2)),
    ("eval", (2, CHANNELS, 2, 3, 2)),
    ("eval", (1, CHANNELS, 3, 2, 2)),
]


def values(t):
    return " ".join(repr(float(v)) for v in t.detach().numpy().astype(np.float32).ravel())


def batch(rng, shape):
    # Per-channel offsets and scales far from 0 and 1, so that the running averages move.
    offset = np.array([2.0, -1.5, 0.3], dtype=np.float32).reshape(1, CHANNELS, 1, 1, 1)
    scale = np.array([0.5, 2.0, 1.2], dtype=np.float32).reshape(1, CHANNELS, 1, 1, 1)
    x = rng.standard_normal(shape).astype(np.float32) * scale + offset
    return torch.from_numpy(x.astype(np.float32))


def main():
    rng = np.random.default_rng(20261204)
    bn = torch.nn.BatchNorm3d(CHANNELS, eps=EPSILON, momentum=MOMENTUM, affine=True)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([0.8, 1.3, -0.6]))
        bn.bias.copy_(torch.tensor([0.1, -0.4, 0.25]))
    lines = [
        f"# Written by make_fixtures.py with PyTorch {torch.__version__}; do not edit.",
        f"layer {CHANNELS} {MOMENTUM!r} {EPSILON!r}",
        "gamma " + values(bn.weight),
        "beta " + values(bn.bias),
    ]
    for k, (mode, shape) in enumerate(STEPS):
        x = batch(rng, shape)
        bn.train(mode == "train")
        with torch.no_grad():
            y = bn(x)
        lines.append(f"step {k} {mode} " + " ".join(str(s) for s in shape))
        lines.append("x " + values(x))
        lines.append("y " + values(y))
        lines.append("running_mean " + values(bn.running_mean))
        lines.append("running_var " + values(bn.running_var))
    with open(os.path.join(HERE, "expected.txt"), "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

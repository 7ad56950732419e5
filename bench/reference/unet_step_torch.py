#!/usr/bin/env python3
"""The PyTorch reference for bench_train_step: the identical U-Net (depth 4, base 16, instance
norm, ReLU, 2 classes; conv without bias before each norm, 2x2x2 transposed convolutions with bias,
concatenated skips, 1x1x1 head), DicePlusXEnt (NiftyNet's formula, per image then the batch mean)
and Adam, one eager training step on a batch of two 1x64^3 volumes on the CPU.

Prints "torch median_ms=... peak_rss_mib=..." like bench_train_step. Reference only: voxtrain never
imports it. Run with the Python that has torch (Debian's python3-torch: /usr/bin/python3).
"""
import argparse
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def block(cin, cout):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, padding=1, bias=False), nn.InstanceNorm3d(cout, affine=True), nn.ReLU(inplace=True),
        nn.Conv3d(cout, cout, 3, padding=1, bias=False), nn.InstanceNorm3d(cout, affine=True), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, in_channels=1, classes=2, base=16, depth=4):
        super().__init__()
        widths = [base * 2 ** level for level in range(depth)]
        self.down = nn.ModuleList()
        cin = in_channels
        for w in widths:
            self.down.append(block(cin, w))
            cin = w
        self.transpose = nn.ModuleList()
        self.up = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.transpose.append(nn.ConvTranspose3d(cin, w, 2, stride=2))
            self.up.append(block(2 * w, w))
            cin = w
        self.head = nn.Conv3d(cin, classes, 1)

    def forward(self, x):
        skips = []
        for level, down in enumerate(self.down):
            if level:
                x = F.max_pool3d(x, 2)
            x = down(x)
            skips.append(x)
        for i, (transpose, up) in enumerate(zip(self.transpose, self.up)):
            x = up(torch.cat([skips[-2 - i], transpose(x)], 1))
        return self.head(x)


def dice_plus_xent(logits, labels):
    """NiftyNet's dice_plus_xent_loss per image, then the mean over the batch."""
    ce = F.cross_entropy(logits, labels, reduction="none").flatten(1).mean(1)
    p = torch.softmax(logits, 1).flatten(2)
    g = F.one_hot(labels, logits.shape[1]).movedim(-1, 1).flatten(2).to(p.dtype)
    dice = (2 * (p * g).sum(2) + 1e-5) / (p.sum(2) + g.sum(2) + 1e-5)
    return (ce - dice.mean(1)).mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = UNet()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    images = torch.randn(2, 1, args.size, args.size, args.size)
    labels = (torch.rand(2, args.size, args.size, args.size) < 0.3).long()

    def step():
        optimizer.zero_grad()
        loss = dice_plus_xent(net(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    step()  # warm-up, as bench_train_step does
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        last = step()
        times.append(time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"torch {torch.__version__} from {torch.__file__} (Python {sys.version.split()[0]}, {sys.executable}): "
          f"{args.threads} threads, batch 2 x 1 x {args.size}^3")
    print(f"torch median_ms={statistics.median(times) * 1e3:.1f} peak_rss_mib={rss:.0f} steps={args.steps} "
          f"parameters={sum(p.numel() for p in net.parameters())} last_loss={last:.4f}")


if __name__ == "__main__":
    main()

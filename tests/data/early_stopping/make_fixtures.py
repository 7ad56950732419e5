#!/usr/bin/python3
"""Writes what tests/unit/engine/test_early_stopping.cpp compares with: early-stopping decisions
computed here with numpy / scipy from the definitions of NiftyNet's check_should_stop
(niftynet/engine/handler_early_stopping.py at 935bf43), on histories chosen to sit near the
decision boundaries (values on a 0.1 grid tie often, so means, medians, percentiles and median
filtering must round as numpy and scipy do), then histories found by search on which a plausible
other reading of the definitions decides differently (a sum from left to right instead of numpy's
pairwise sum, the two middle values' midpoint taken another way, other median-filter edges, window
alignment or rank, inclusive percentile bounds, other edge gradients, strips cut from the other end): each of those readings fails some
of these cases.

  expected.txt   one case per line: mode min_delta kernel_size k_splits should_stop v0 v1 ... vN
                 (floats in Python's repr, which reads back exactly)

Run with numpy and scipy:  python3 tests/data/early_stopping/make_fixtures.py
The file is committed; rerun only to change it (the data is deterministic).
"""
import os
import warnings

import numpy as np
from scipy.ndimage import median_filter, rank_filter

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ["mean", "robust_mean", "median", "generalisation_loss", "median_smoothing", "validation_up"]


def generalisation_loss(values):
    lowest, highest, last = np.min(values), np.max(values), values[-1]
    if lowest == 0:
        return last
    return (last - lowest) / (highest - lowest)


def left_to_right_mean(values):
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def threshold(earlier, mode, variant=None):
    """What mean, robust_mean and median compare the last value with (None: no values)."""
    mean = left_to_right_mean if variant == "left_to_right_sum" else np.mean
    if mode == "mean":
        return mean(earlier)
    if mode == "median":
        ordered = sorted(earlier)
        if variant == "midpoint" and len(ordered) % 2 == 0:
            lo, hi = ordered[len(ordered) // 2 - 1], ordered[len(ordered) // 2]
            return lo + (hi - lo) / 2
        return np.median(earlier)
    low, high = np.percentile(earlier, q=[5, 95])
    if variant == "inclusive_bounds":
        inside = [v for v in earlier if low <= v <= high]
    else:
        inside = [v for v in earlier if low < v < high]
    return mean(inside) if inside else None


def should_stop(history, mode, min_delta, kernel_size, k_splits, variant=None):
    """NiftyNet's decision; variant names another reading, used only to search for cases."""
    earlier = history[:-1]
    last = history[-1]
    if mode in ("mean", "robust_mean", "median"):
        t = threshold(earlier, mode, variant)
        return last > t if t is not None else False
    if mode == "generalisation_loss":
        return generalisation_loss(history) > 0.2
    if mode == "median_smoothing":
        a = np.array(earlier)
        if variant == "nearest_edges":
            smoothed = median_filter(a, size=kernel_size, mode="nearest")
        elif variant == "mirror_edges":
            smoothed = median_filter(a, size=kernel_size, mode="mirror")
        elif variant == "window_shifted":
            smoothed = median_filter(a, size=kernel_size, origin=-1 if kernel_size % 2 == 0 else 0)
        elif variant == "lower_median":
            smoothed = rank_filter(a, rank=(kernel_size - 1) // 2, size=kernel_size)
        else:
            smoothed = median_filter(a, size=kernel_size)
        if variant == "second_order_edges" and len(smoothed) >= 3:
            gradient = np.gradient(smoothed, edge_order=2)
        else:
            gradient = np.gradient(smoothed)
        return np.sum(gradient < min_delta) * 1.0 / len(gradient) < 0.5
    if mode == "validation_up":
        if variant == "strips_from_start":
            considered = np.array(history[:len(history) - len(history) % k_splits])
        else:
            considered = np.array(history[len(history) % k_splits:])
        return all(generalisation_loss(s) >= min_delta for s in np.split(considered, k_splits))
    raise ValueError(mode)


VARIANTS = [("mean", "left_to_right_sum"), ("robust_mean", "left_to_right_sum"), ("median", "midpoint"),
            ("robust_mean", "inclusive_bounds"),
            ("median_smoothing", "nearest_edges"), ("median_smoothing", "mirror_edges"),
            ("median_smoothing", "window_shifted"), ("median_smoothing", "lower_median"),
            ("median_smoothing", "second_order_edges"), ("validation_up", "strips_from_start")]


def history(rng, style, n):
    i = np.arange(n)
    if style == "grid":        # few distinct values: ties everywhere
        return list(rng.integers(0, 7, n) / 10.0)
    if style == "falling":     # a loss that improves, with noise
        return list(1.0 / (1.0 + 0.1 * i) + rng.integers(0, 1000, n) / 20000.0)
    if style == "rising":      # a loss that got worse
        return list(0.05 * i + rng.integers(0, 100, n) / 1000.0)
    if style == "flat":        # noise around a plateau
        return list(0.5 + rng.normal(0.0, 0.02, n))
    raise ValueError(style)


def main():
    warnings.simplefilter("ignore", RuntimeWarning)  # 0 / 0 in a flat strip is NaN, as in NiftyNet
    rng = np.random.default_rng(20261205)
    lines = []
    for mode in MODES:
        for case in range(48):
            n = int(rng.choice([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 25, 40]))
            if case % 12 == 11:  # numpy sums more than 128 values in halves
                n = int(rng.choice([129, 150, 257]))
            k_splits = int(rng.choice([2, 3, 4, 5]))
            if mode == "validation_up":
                n = max(n, k_splits)
            style = ["grid", "falling", "rising", "flat"][case % 4]
            values = [float(v) for v in history(rng, style, n)]
            min_delta = float(rng.choice([0.0, 0.01, 0.03, 0.05, 0.1, 0.2]))
            kernel_size = int(rng.choice([1, 2, 3, 4, 5, 7, 9]))
            stop = bool(should_stop(values, mode, min_delta, kernel_size, k_splits))
            lines.append(" ".join([mode, repr(min_delta), str(kernel_size), str(k_splits), str(int(stop))]
                                  + [repr(v) for v in values]))
    for mode, variant in VARIANTS:
        found = 0
        for attempt in range(200000):
            if mode == "median":  # an even count, so the two middle values are averaged
                n = 2 * int(rng.integers(1, 20)) + 1
            else:
                n = int(rng.choice([3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20, 33]))
            k_splits = int(rng.choice([2, 3, 4, 5]))
            if mode == "validation_up":
                n = max(n, k_splits)
            style = ["grid", "falling", "rising", "flat"][attempt % 4]
            values = [float(v) for v in history(rng, style, n)]
            if mode in ("mean", "median", "robust_mean") and attempt % 2 == 0:
                # the last value on the threshold as the other reading computes it
                t = threshold(values[:-1], mode, variant)
                values[-1] = float(t) if t is not None else values[-1]
            min_delta = float(rng.choice([0.0, 0.01, 0.03, 0.05, 0.1, 0.2]))
            kernel_size = int(rng.choice([2, 3, 4, 5, 6, 7, 9]))
            stop = bool(should_stop(values, mode, min_delta, kernel_size, k_splits))
            if stop == bool(should_stop(values, mode, min_delta, kernel_size, k_splits, variant)):
                continue
            lines.append(" ".join([mode, repr(min_delta), str(kernel_size), str(k_splits), str(int(stop))]
                                  + [repr(v) for v in values]))
            found += 1
            if found == 3:
                break
        if found < 3:
            raise RuntimeError(f"no history tells {mode} from its {variant} reading")
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

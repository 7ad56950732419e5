#!/usr/bin/python3
"""Writes what tests/unit/data/test_*normalisation*.cpp and test_foreground_mask.cpp compare with:
three small two-channel subjects and, computed here with numpy / scipy from NiftyNet's published
definitions (BinaryMaskingLayer, otsu_threshold, histogram_standardisation, whitening):

  sub-N.nii.gz            image, 4-D float32 (x, y, z, channel); sub-3's channel 1 is all zero
  mask_sub-N.nii.gz       otsu_plus mask of each channel on its own (uint8, 'multi')
  expected.txt            'otsu sub-N c <threshold>' lines (256-bin histogram, numpy edges)
  histogram_ref_file.txt  landmarks trained over the three subjects (foreground only, otsu_plus,
                          percentile, cutoff 0.01 0.99), in NiftyNet's file format
  normalised_sub-1.nii.gz sub-1 after histogram standardisation then whitening over the 'and' mask

Run with Debian's python3-numpy/scipy/nibabel:  /usr/bin/python3 tests/data/normalisation/make_fixtures.py
The files are committed; rerun only to change them (the data is deterministic).
"""
import os

import nibabel as nib
import numpy as np
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPE = (16, 14, 12)  # x, y, z
MODALITIES = ["T1", "T2"]
CUTOFF = (0.01, 0.99)
FRACTIONS = [CUTOFF[0], 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, CUTOFF[1]]
PERCENTILE_POINTS = [0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12]


def subject(n):
    rng = np.random.default_rng(1000 + n)
    x, y, z = np.indices(SHAPE, dtype=np.float64)
    cx, cy, cz = 7.5 + 0.3 * n, 6.5, 5.5
    r = ((x - cx) / 6.5) ** 2 + ((y - cy) / 5.5) ** 2 + ((z - cz) / 4.6) ** 2
    head = r < 1.0
    hole = r < 0.12  # a dark core, enclosed by the head: the mask must fill it
    channels = []
    for c, (fg, bg) in enumerate([(100.0 + 10 * n, 3.0), (40.0 + 5 * n, 1.5)]):
        img = np.where(head, fg + 8.0 * rng.standard_normal(SHAPE), bg * rng.random(SHAPE))
        img = np.where(hole, bg * rng.random(SHAPE), img)
        img[np.logical_and(~head, rng.random(SHAPE) < 0.3)] = 0.0
        if n == 3 and c == 1:
            img[:] = 0.0
        channels.append(img.astype(np.float32))
    return np.stack(channels, axis=-1)


def otsu(values):
    # NiftyNet's otsu_threshold, restated: maximise w1 w2 (mu1 - mu2)^2 over 256 equal bins.
    hist, edges = np.histogram(values.astype(np.float64).ravel(), bins=256)
    hist = hist.astype(np.float64)
    centres = edges[:-1] + (edges[1] - edges[0]) * 0.5
    best, threshold = 0.0, centres[0]
    for b in range(len(hist) - 1):
        w1, w2 = hist[: b + 1].sum(), hist[b + 1:].sum()
        if w1 == 0 or w2 == 0:
            continue
        m1 = (hist[: b + 1] * centres[: b + 1]).sum() / w1
        m2 = (hist[b + 1:] * centres[b + 1:]).sum() / w2
        target = w1 * w2 * (m1 - m2) ** 2
        if target > best:
            best, threshold = target, centres[b]
    return threshold


def channel_mask(img):
    if not np.any(img):
        return np.zeros(img.shape, dtype=bool)
    mask = img > otsu(img)
    mask = ndimage.binary_dilation(mask, iterations=2)
    return ndimage.binary_fill_holes(mask)


def landmarks(img, mask):
    return np.percentile(img[mask].astype(np.float64), 100 * np.array(FRACTIONS))


def averaged(perc):  # rows: subjects
    slope = 100.0 / (perc[:, -1] - perc[:, 0])
    return slope.dot(perc) / perc.shape[0] + np.mean(0.0 - slope * perc[:, 0])


def standardise(img, mask, reference):
    perc = landmarks(img, mask)[PERCENTILE_POINTS]
    ref = np.asarray(reference)[PERCENTILE_POINTS]
    diff = perc[1:] - perc[:-1]
    diff[diff == 0] = np.inf  # NiftyNet: equal landmarks give a flat segment
    slope = (ref[1:] - ref[:-1]) / diff
    intercept = ref[:-1] - slope * perc[:-1]
    segment = np.digitize(img.astype(np.float64), perc[1:-1], right=False)
    return (slope[segment] * img + intercept[segment]).astype(np.float32)


def whiten(img, mask):
    values = img[mask].astype(np.float64)
    return ((img - values.mean()) / max(values.std(), 1e-5)).astype(np.float32)


def save(name, data, dtype):
    nib.save(nib.Nifti1Image(data.astype(dtype), np.diag([1.0, 1.0, 1.0, 1.0])), os.path.join(HERE, name))


def main():
    images = {n: subject(n) for n in (1, 2, 3)}
    masks = {n: np.stack([channel_mask(images[n][..., c]) for c in range(2)], axis=-1) for n in images}
    lines = []
    for n in images:
        save("sub-%d.nii.gz" % n, images[n], np.float32)
        save("mask_sub-%d.nii.gz" % n, masks[n], np.uint8)
        for c in range(2):
            if np.any(images[n][..., c]):
                lines.append("otsu sub-%d %d %r" % (n, c, float(otsu(images[n][..., c]))))
    reference = {}
    for c, name in enumerate(MODALITIES):
        perc = [landmarks(images[n][..., c], masks[n][..., c]) for n in images if np.any(images[n][..., c])]
        reference[name] = averaged(np.vstack(perc))
    with open(os.path.join(HERE, "histogram_ref_file.txt"), "w") as f:
        for name in MODALITIES:
            f.write("{} {}\n".format(name, " ".join(map(str, reference[name]))))
    img, mask = images[1].copy(), masks[1]
    fused = np.logical_and(mask[..., 0], mask[..., 1])
    for c, name in enumerate(MODALITIES):
        img[..., c] = standardise(img[..., c], fused, reference[name])
        img[..., c] = whiten(img[..., c], fused)
    save("normalised_sub-1.nii.gz", img, np.float32)
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes axcodes.txt, what nibabel says about several affines, for tests/unit/data/test_orientation.cpp.

Each line: the 12 numbers of rows 0-2 of an affine (row by row), then nibabel.aff2axcodes(affine)
(three letters), then the axcodes nibabel.as_closest_canonical gives a 4x5x6 image with that affine
(always R A S) and the shape of that canonical image's data (the permuted 4x5x6).

Run with Debian's python3-nibabel:  /usr/bin/python3 tests/data/spatial/make_fixtures.py
The file is committed; rerun only to change it (the affines are deterministic).
"""
import math
import os

import nibabel as nib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def rot(axis, degrees):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    m = np.eye(3)
    a, b = [(1, 2), (0, 2), (0, 1)][axis]
    m[a, a], m[a, b], m[b, a], m[b, b] = c, -s, s, c
    return m


def affine(linear, translation):
    a = np.eye(4)
    a[:3, :3] = linear
    a[:3, 3] = translation
    return a


def main():
    rng = np.random.default_rng(20240611)
    cases = [
        affine(np.diag([1.0, 1.0, 1.0]), [0, 0, 0]),
        affine(np.diag([-0.9, 1.1, 2.5]), [90, -120, -60]),                  # LAS
        affine(np.diag([1.0, -1.0, -3.0]), [-10, 20, 30]),                   # RPI
        affine(np.array([[0, 0, -1.2], [1.0, 0, 0], [0, -0.8, 0]]), [5, 6, 7]),  # sagittal-like: A I L
        affine(np.array([[0, 2.0, 0], [0, 0, 1.5], [0.7, 0, 0]]), [0, 0, 0]),  # S R A
        affine(rot(2, 30) @ np.diag([1.0, 1.0, 1.0]), [1, 2, 3]),
        affine(rot(0, -40) @ rot(1, 20) @ np.diag([0.8, 1.2, 3.0]), [-3, 4, -5]),
        affine(rot(1, 60) @ np.diag([-1.0, 1.0, 1.0]), [0, 0, 0]),
        affine(rot(2, 135) @ rot(0, 10) @ np.diag([1.0, 2.0, 0.5]), [0, 0, 0]),
        affine(np.array([[1.0, 0.6, 0], [0, 1.0, 0.3], [0.2, 0, -1.0]]), [0, 0, 0]),  # sheared
    ]
    for _ in range(6):  # random oblique affines: a random rotation, permutation, flips and zooms
        q, _r = np.linalg.qr(rng.normal(size=(3, 3)))
        zooms = rng.uniform(0.5, 3.0, size=3) * rng.choice([-1.0, 1.0], size=3)
        cases.append(affine(q @ np.diag(zooms), rng.uniform(-100, 100, size=3)))
    lines = []
    for a in cases:
        codes = nib.aff2axcodes(a)
        img = nib.Nifti1Image(np.zeros((4, 5, 6), dtype=np.float32), a)
        canonical = nib.as_closest_canonical(img)
        numbers = " ".join(repr(float(v)) for v in a[:3, :].ravel())
        lines.append(f"{numbers} {' '.join(codes)} {' '.join(nib.aff2axcodes(canonical.affine))} "
                     f"{' '.join(str(n) for n in canonical.shape)}")
    with open(os.path.join(HERE, "axcodes.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes the label maps tests/unit/apps/test_evaluation.cpp and the CLI tests evaluate, and
expected.csv: every metric computed here with numpy and scipy (NiftyNet's border map from shifted
copies, scipy.ndimage.distance_transform_edt with sampling = voxel size, numpy.percentile), the
independent values `voxtrain evaluate` must reproduce.

Run with Debian's python3-nibabel and python3-scipy:  /usr/bin/python3 tests/data/evaluation/make_fixtures.py
The files are committed; rerun only to change them (the voxel data is deterministic).
"""
import csv
import math
import os

import nibabel as nib
import numpy as np
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPE = (12, 10, 7)  # i, j, k
NUM_CLASSES = 3
METRICS = ["dice", "jaccard", "sensitivity", "specificity", "accuracy", "precision", "npv", "fpr",
           "informedness", "markedness", "tp", "fp", "tn", "fn", "n_pos_ref", "n_neg_ref", "n_pos_seg",
           "n_neg_seg", "n_intersection", "n_union", "vol_diff", "average_distance", "hausdorff_distance",
           "hausdorff95_distance"]


def oblique_affine(spacing, angle_deg, translation):
    a = math.radians(angle_deg)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    affine = np.eye(4)
    affine[:3, :3] = rz @ np.diag(spacing)
    affine[:3, 3] = translation
    return affine


AFFINE = oblique_affine((0.9, 1.3, 2.5), 20.0, (-5.0, 7.0, 11.0))


def save(path, data, affine=AFFINE, dtype=np.uint8):
    img = nib.Nifti1Image(data.astype(dtype), affine)
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=2)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    nib.save(img, path)


def box(lo, hi, label, out):
    out[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = label


def ratio(a, b):
    return float("nan") if b == 0 else a / b


def border(mask):
    # NiftyNet's MorphologyOps.border_map: a voxel of the mask with a face neighbour outside it.
    m = mask.astype(np.int8)
    total = sum(ndimage.shift(m, s, order=0) for s in
                ([-1, 0, 0], [1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]))
    return ((total < 6) * m) == 1


def directed(from_border, to_border, spacing):
    if not from_border.any():
        return np.zeros(0)
    if not to_border.any():
        return np.full(int(from_border.sum()), np.inf)
    dist = ndimage.distance_transform_edt(~to_border, sampling=spacing)
    return dist[from_border]


def metrics(seg, ref, spacing):
    tp = float(np.sum(seg & ref)); fp = float(np.sum(seg & ~ref))
    tn = float(np.sum(~seg & ~ref)); fn = float(np.sum(~seg & ref))
    sens, spec = ratio(tp, tp + fn), ratio(tn, tn + fp)
    prec, npv = ratio(tp, tp + fp), ratio(tn, tn + fn)
    bs, br = border(seg), border(ref)
    s2r, r2s = directed(bs, br, spacing), directed(br, bs, spacing)
    empty = s2r.size == 0 or r2s.size == 0
    nan = float("nan")
    return {
        "dice": ratio(2 * tp, 2 * tp + fp + fn), "jaccard": ratio(tp, tp + fp + fn),
        "sensitivity": sens, "specificity": spec, "accuracy": (tp + tn) / seg.size,
        "precision": prec, "npv": npv, "fpr": ratio(fp, fp + tn),
        "informedness": sens + spec - 1, "markedness": prec + npv - 1,
        "tp": tp, "fp": fp, "tn": tn, "fn": fn, "n_pos_ref": tp + fn, "n_neg_ref": tn + fp,
        "n_pos_seg": tp + fp, "n_neg_seg": tn + fn, "n_intersection": tp, "n_union": tp + fp + fn,
        "vol_diff": ratio((tp + fp) - (tp + fn), tp + fn),
        "average_distance": nan if empty else (s2r.sum() + r2s.sum()) / (s2r.size + r2s.size),
        "hausdorff_distance": nan if empty else max(s2r.max(), r2s.max()),
        "hausdorff95_distance": nan if empty else max(np.percentile(s2r, 95), np.percentile(r2s, 95)),
    }


def subjects():
    rng = np.random.default_rng(20240601)
    out = {}
    # sub-001: three labels; the segmentation shifted and with random flips near the edges.
    ref = np.zeros(SHAPE, np.uint8)
    box((2, 2, 1), (9, 7, 5), 1, ref)
    box((4, 3, 2), (7, 6, 4), 2, ref)
    seg = np.roll(ref, 1, axis=2)
    flips = rng.random(SHAPE) < 0.08
    seg[flips] = rng.integers(0, NUM_CLASSES, size=int(flips.sum()))
    out["sub-001"] = (seg, ref)
    # sub-002: the segmentation misses label 2 (distances NaN, dice 0, precision NaN).
    ref = np.zeros(SHAPE, np.uint8)
    box((1, 1, 1), (10, 8, 6), 1, ref)
    box((3, 3, 2), (5, 5, 3), 2, ref)
    seg = np.zeros(SHAPE, np.uint8)
    box((2, 1, 1), (11, 9, 5), 1, seg)
    out["sub-002"] = (seg, ref)
    # sub-003: label 2 absent from both (dice NaN); label 1 a sphere against an offset box.
    idx = np.indices(SHAPE).astype(float)
    ref = (((idx[0] - 5.5) * 0.9) ** 2 + ((idx[1] - 4.5) * 1.3) ** 2 + ((idx[2] - 3) * 2.5) ** 2 <= 16).astype(np.uint8)
    seg = np.zeros(SHAPE, np.uint8)
    box((3, 2, 2), (9, 8, 5), 1, seg)
    out["sub-003"] = (seg, ref)
    return out


def main():
    rows = []
    for sid, (seg, ref) in subjects().items():
        save(os.path.join(HERE, "seg", f"window_seg_{sid}__niftynet_out.nii.gz"), seg)
        save(os.path.join(HERE, "ref", f"{sid}_Label.nii.gz"), ref)
        back = nib.load(os.path.join(HERE, "ref", f"{sid}_Label.nii.gz"))
        spacing = np.sqrt((back.affine[:3, :3] ** 2).sum(axis=0))  # the stored (float32) sform's columns
        per_label = []
        for label in range(NUM_CLASSES):
            values = metrics(seg == label, ref == label, spacing)
            per_label.append(values)
            rows.append([sid, str(label)] + [values[m] for m in METRICS])
        mean = []
        for m in METRICS:
            v = [p[m] for p in per_label if not math.isnan(p[m])]
            mean.append(sum(v) / len(v) if v else float("nan"))
        rows.append([sid, "mean"] + mean)
    # Unmatched files on each side.
    seg, ref = subjects()["sub-001"]
    save(os.path.join(HERE, "seg", "window_seg_sub-005__niftynet_out.nii.gz"), seg)
    save(os.path.join(HERE, "ref", "sub-004_Label.nii.gz"), ref)
    # Bad input: a smaller segmentation, a label 3, a label -1, a different affine.
    save(os.path.join(HERE, "bad", "small_seg.nii.gz"), seg[:11])
    high = seg.copy(); high[4, 5, 6] = 3
    save(os.path.join(HERE, "bad", "label3_seg.nii.gz"), high)
    neg = ref.astype(np.int16); neg[1, 2, 3] = -1
    save(os.path.join(HERE, "bad", "negative_ref.nii.gz"), neg, dtype=np.int16)
    moved = AFFINE.copy(); moved[0, 3] += 2.0
    save(os.path.join(HERE, "bad", "moved_seg.nii.gz"), seg, affine=moved)
    with open(os.path.join(HERE, "expected.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["subject_id", "label"] + METRICS)
        for r in rows:
            w.writerow(r[:2] + [repr(float(x)) for x in r[2:]])


if __name__ == "__main__":
    main()

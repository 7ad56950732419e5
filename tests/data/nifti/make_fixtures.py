#!/usr/bin/python3
"""Writes the small NIfTI files tests/unit/io/test_nifti_image.cpp reads, and expected.txt with
what nibabel reads back from them (the values the C++ reader must reproduce).

Run with Debian's python3-nibabel:  /usr/bin/python3 tests/data/nifti/make_fixtures.py
The files are committed; rerun only to change them (the voxel data is deterministic).
"""
import math
import os

import nibabel as nib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def oblique_affine(spacing, angles_deg, translation, flip_x=False):
    """Rotation (about z, then y, then x) times anisotropic spacing, plus a translation."""
    ax, ay, az = (math.radians(a) for a in angles_deg)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    zooms = np.diag(spacing) @ np.diag([-1.0 if flip_x else 1.0, 1.0, 1.0])
    affine = np.eye(4)
    affine[:3, :3] = rx @ ry @ rz @ zooms
    affine[:3, 3] = translation
    return affine


def ramp(shape, dtype, scale=1.0, offset=0.0):
    # A value that differs at every voxel and tells the axes apart: i + 10 j + 100 k (+ 1000 t).
    idx = np.indices(shape)
    weights = [1, 10, 100, 1000][: len(shape)]
    values = sum(w * i for w, i in zip(weights, idx)) * scale + offset
    return values.astype(dtype)


FIXTURES = []


def fixture(name, data, affine, *, slope=None, inter=None, qform_code=1, sform_code=1,
            zooms=None, ints_as_labels=False):
    if zooms is None:
        img = nib.Nifti1Image(data, affine)
        img.set_qform(affine, code=qform_code)
        img.set_sform(affine, code=sform_code)
    else:  # no affine at all: pixdim as given, qform_code = sform_code = 0
        img = nib.Nifti1Image(data, None)
        img.header.set_zooms(zooms)
    if slope is not None:
        img.header.set_slope_inter(slope, inter)
    path = os.path.join(HERE, name)
    img.to_filename(path)
    FIXTURES.append((name, ints_as_labels))


def describe(name, ints_as_labels):
    img = nib.load(os.path.join(HERE, name))
    hdr = img.header
    values = img.get_fdata(dtype=np.float64)  # scl_slope / scl_inter applied
    shape = values.shape
    # A handful of voxels: corners, an interior one, and for 4-D every channel.
    picks = []
    for t in range(shape[3] if len(shape) == 4 else 1):
        for ijk in [(0, 0, 0), (shape[0] - 1, 0, 0), (0, shape[1] - 1, 0), (0, 0, shape[2] - 1),
                    (shape[0] - 1, shape[1] - 1, shape[2] - 1), (2, 1, 1)]:
            index = list(ijk) + ([t] if len(shape) == 4 else [])
            picks.append({"ijk_t": index, "value": float(values[tuple(index)])})
    slope, inter = img.dataobj.slope, img.dataobj.inter
    return {
        "file": name,
        "datatype": str(hdr.get_data_dtype()),
        "shape_xyzt": list(shape),
        "affine": img.affine.tolist(),  # nibabel's rule: sform, else qform, else base affine
        "pixdim": [float(z) for z in hdr["pixdim"][1:1 + len(shape)]],
        "qform_code": int(hdr["qform_code"]),
        "sform_code": int(hdr["sform_code"]),
        "scl_slope": float(slope),
        "scl_inter": float(inter),
        "sum": float(values.sum()),
        "voxels": picks,
        "label": ints_as_labels,
    }


def main():
    oblique = oblique_affine([0.9, 1.3, 2.5], [12.0, -7.0, 30.0], [-41.5, 17.25, 8.0])
    flipped = oblique_affine([1.1, 0.8, 3.0], [0.0, 20.0, -15.0], [60.0, -90.5, -12.0], flip_x=True)

    # int16 with scaling, compressed; qform and sform both set (sform wins).
    fixture("t1_int16_scaled.nii.gz", ramp((5, 4, 3), np.int16, 1.0, -150.0), oblique,
            slope=0.25, inter=-3.5, qform_code=1, sform_code=2)
    # uint8 labels, uncompressed, no scaling.
    fixture("label_uint8.nii", (ramp((5, 4, 3), np.int64) % 5).astype(np.uint8), oblique,
            ints_as_labels=True)
    # float32 4-D (two modalities), sform only.
    fixture("mods_float32_4d.nii.gz", ramp((5, 4, 3, 2), np.float32, 0.5, 0.125), flipped,
            qform_code=0, sform_code=1)
    # float64, qform only (sform_code 0: the qform gives the affine).
    fixture("ct_float64_qform.nii", ramp((5, 4, 3), np.float64, -1.5, 1000.0), flipped,
            qform_code=1, sform_code=0)
    # uint8 with slope and intercept, 4-D, compressed.
    fixture("pet_uint8_scaled_4d.nii.gz", ramp((5, 4, 3, 2), np.int64).astype(np.uint8) % 200,
            oblique, slope=2.0, inter=0.5)
    # int16, neither qform nor sform: nibabel's base affine from pixdim.
    fixture("old_int16_nocodes.nii", ramp((5, 4, 3), np.int16), np.eye(4),
            qform_code=0, sform_code=0, zooms=(2.0, 3.0, 4.0))

    truth = [describe(name, labels) for name, labels in FIXTURES]
    # The same facts as plain lines, for a C++ reader without a JSON library.
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write(f"# Written by make_fixtures.py with nibabel {nib.__version__}; do not edit.\n"
                "# fixture FILE DATATYPE NX NY NZ NT QFORM_CODE SFORM_CODE SCL_SLOPE SCL_INTER SUM LABEL\n"
                "# affine 12 numbers (rows 0-2 of nibabel's img.affine)\n"
                "# pixdim 4 numbers (pixdim[1..4]; 1 when absent)\n"
                "# voxel I J K T VALUE (nibabel's get_fdata(), scaling applied)\n")
        for t in truth:
            nx, ny, nz, nt = (t["shape_xyzt"] + [1])[:4]
            f.write(f"fixture {t['file']} {t['datatype']} {nx} {ny} {nz} {nt} {t['qform_code']} "
                    f"{t['sform_code']} {t['scl_slope']!r} {t['scl_inter']!r} {t['sum']!r} "
                    f"{int(t['label'])}\n")
            f.write("affine " + " ".join(repr(v) for row in t["affine"][:3] for v in row) + "\n")
            f.write("pixdim " + " ".join(repr(v) for v in (t["pixdim"] + [1.0])[:4]) + "\n")
            for v in t["voxels"]:
                i, j, k, tt = (v["ijk_t"] + [0])[:4]
                f.write(f"voxel {i} {j} {k} {tt} {v['value']!r}\n")


if __name__ == "__main__":
    main()

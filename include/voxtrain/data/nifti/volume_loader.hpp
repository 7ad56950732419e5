// volume_loader.hpp — reads one subject's NIfTI files into a Subject: image channels stacked in
// section order, label/weight/sampling maps, with every file checked against the first image's grid.
#pragma once

#include "voxtrain/data/subject.hpp"
#include "voxtrain/data/inputs/subject_files.hpp"

namespace voxtrain {

// Reads files.image (each 3-D or 4-D; their channels are concatenated in order), files.label as
// an integer map, files.weight and files.sampling_map as float maps. Throws voxtrain::Error naming
// the subject and the file when a file is missing or unreadable, when a file's voxel grid (size,
// or affine beyond 1e-3 mm) differs from the first image's, or when a map has more than one channel.
// The Subject keeps the first image's affine and its spacing (the affine's column lengths).
Subject load_subject_files(const SubjectFiles& files);

}  // namespace voxtrain

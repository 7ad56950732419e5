// test_grid_inference.cpp — a subject through preprocessing, grid windows, a network that reads the
// label out of its input, aggregation and back: the original label map returns exactly, for any
// batch size, and the file written overlays the input.
#include <catch2/catch.hpp>

#include <cstring>

#include "support/test_files.hpp"
#include "voxtrain/data/inference/grid_inference.hpp"
#include "voxtrain/io/nifti_image.hpp"

using voxtrain::Subject;
using voxtrain::Tensor;

namespace {

constexpr int kClasses = 3;

// An LPS subject of 13x11x9 voxels whose image channel holds its label value (as float).
Subject labelled_subject() {
  Subject s;
  s.id = "sub-4";
  s.affine = {{{-1.0, 0, 0, 4}, {0, -1.5, 0, 8}, {0, 0, 2.0, -3}, {0, 0, 0, 1}}};
  s.spacing = {1.0, 1.5, 2.0};
  s.label = Tensor::empty({1, 9, 11, 13}, voxtrain::DType::Int32);
  s.image = Tensor::empty({1, 9, 11, 13});
  for (std::int64_t k = 0, e = 0; k < 9; ++k)
    for (std::int64_t j = 0; j < 11; ++j)
      for (std::int64_t i = 0; i < 13; ++i, ++e) {
        const int v = static_cast<int>((i / 3 + j / 4 + k / 2) % kClasses);
        s.label.data<std::int32_t>()[e] = v;
        s.image.data<float>()[e] = static_cast<float>(v);
      }
  return s;
}

// One-hot probabilities of the (nearest) label value each input voxel holds.
Tensor one_hot_network(const Tensor& windows) {
  const auto& s = windows.shape();
  const std::int64_t n = s[0], voxels = s[2] * s[3] * s[4];
  Tensor out = Tensor::zeros({n, kClasses, s[2], s[3], s[4]});
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t v = 0; v < voxels; ++v) {
      const auto cls = static_cast<std::int64_t>(std::lround(windows.data<float>()[b * s[1] * voxels + v]));
      out.data<float>()[(b * kClasses + cls) * voxels + v] = 1.0f;
    }
  return out;
}

}  // namespace

TEST_CASE("grid inference returns a label map exactly onto the grid it was read on", "[data]") {
  Subject s = labelled_subject();
  const Tensor original = s.label.clone();
  voxtrain::SpatialSettings spatial;
  spatial.axcodes = voxtrain::Axcodes{"R", "A", "S"};
  spatial.pixdim = std::array<double, 3>{0.5, 0.75, 1.0};  // every size doubles
  spatial.image_interpolation = voxtrain::Interpolation::Nearest;  // the image carries labels here
  const auto grid = voxtrain::preprocess_subject_grid(s, spatial);
  REQUIRE(s.size_ijk() == std::array<std::int64_t, 3>{26, 22, 18});

  voxtrain::GridInferenceSpec spec;
  spec.window = {10, 8, 8};
  spec.aggregation.border = {2, 1, 0};
  spec.aggregation.output = voxtrain::AggregatedOutput::Argmax;
  spec.aggregation.fill_constant = 0;
  spec.output_channels = kClasses;
  Tensor first;
  for (std::int64_t batch : {1, 4, 1000}) {
    spec.batch_size = batch;
    const Tensor result = voxtrain::infer_subject(s, grid, one_hot_network, spec);
    REQUIRE(result.shape() == original.shape());
    // Voxels within the border of the preprocessed grid's faces hold fill_constant; compare inside.
    std::int64_t wrong = 0, compared = 0;
    for (std::int64_t e = 0; e < original.numel(); ++e) {
      const std::int64_t i = e % 13, j = (e / 13) % 11;
      if (i == 0 || i == 12 || j == 0 || j == 10) continue;  // 2 preprocessed voxels = 1 original voxel
      ++compared;
      wrong += result.data<std::int32_t>()[e] != original.data<std::int32_t>()[e];
    }
    CHECK(compared > 600);
    CHECK(wrong == 0);
    if (!first.defined()) first = result;
    CHECK(std::memcmp(first.raw_data(), result.raw_data(), result.nbytes()) == 0);
  }
  CHECK_THAT(voxtrain::describe_grid_inference(s, spec), Catch::Matchers::StartsWith("sub-4: ") &&
                                                             Catch::Matchers::Contains("windows of 10x8x8 (border 2x1x0)"));

  voxtrain::testing::ScratchDir dir("grid_inference");
  const std::string path = voxtrain::write_subject_output(dir.path().string(), s.id, first, grid);
  CHECK(path == dir.file("window_seg_sub-4__niftynet_out.nii.gz"));
  const auto written = voxtrain::read_nifti(path, voxtrain::NiftiRead::Label);
  CHECK(written.affine == grid.affine);  // overlays the input as read
  CHECK(std::memcmp(written.data.raw_data(), first.raw_data(), first.nbytes()) == 0);
}

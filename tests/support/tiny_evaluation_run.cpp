// tiny_evaluation_run.cpp — the files of a tiny run for evaluate's config form, and Dice and
// Jaccard counted by a plain loop over the voxels.
#include "support/tiny_evaluation_run.hpp"

#include <algorithm>
#include <filesystem>

#include "voxtrain/data/inference/window_aggregator.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain::testing {
namespace {

constexpr std::int64_t kI = 5, kJ = 4, kK = 3;

NiftiImage label_image(const LabelValues& values) {
  NiftiImage image;
  image.data = Tensor::empty({1, kK, kJ, kI}, DType::Int32);
  std::copy(values.begin(), values.end(), image.data.data<std::int32_t>());
  image.affine = {{{1.5, 0, 0, -4}, {0, 1, 0, 2}, {0, 0, 2, 8}, {0, 0, 0, 1}}};
  image.sform_code = 1;
  image.qform_code = 1;
  image.stored_as = NiftiDatatype::UInt8;
  return image;
}

struct Counts {
  double tp = 0, fp = 0, fn = 0;
};

Counts count(const LabelValues& seg, const LabelValues& ref, int label) {
  Counts c;
  for (std::size_t v = 0; v < ref.size(); ++v) {
    const bool s = seg[v] == label, r = ref[v] == label;
    c.tp += s && r;
    c.fp += s && !r;
    c.fn += !s && r;
  }
  return c;
}

}  // namespace

const char* const kTinyEvaluationConfig =
    "[T1]\npath_to_search = ./data\nfilename_contains = T1\n\n"
    "[Label]\npath_to_search = ./data\nfilename_contains = Label\n\n"
    "[SYSTEM]\nmodel_dir = ./model\n\n"
    "[SEGMENTATION]\nimage = T1\nlabel = Label\nnum_classes = 3\n\n"
    "[EVALUATION]\nevaluations = Dice, jaccard\n";

TinyEvaluationRun::TinyEvaluationRun(const std::string& config_text) {
  std::filesystem::create_directories(dir_.path() / "data");
  for (int n = 1; n <= 3; ++n) {
    const std::string stem = dir_.file("data/sub-" + std::to_string(n));
    write_nifti(stem + "_T1.nii.gz", label_image(reference(n)));
    write_nifti(stem + "_Label.nii.gz", label_image(reference(n)));
  }
  config_ = dir_.write("config.ini", config_text);
}

void TinyEvaluationRun::set_config(const std::string& text) const { dir_.write("config.ini", text); }

LabelValues TinyEvaluationRun::reference(int subject) {
  LabelValues v;
  for (std::int64_t k = 0; k < kK; ++k)
    for (std::int64_t j = 0; j < kJ; ++j)
      for (std::int64_t i = 0; i < kI; ++i) v.push_back(static_cast<std::int32_t>((i + 2 * j + 3 * k + subject) % 4 % 3));
  return v;
}

LabelValues TinyEvaluationRun::segmentation(int subject) {
  LabelValues v = reference(subject);
  for (std::size_t x = 0; x < v.size(); ++x)
    if ((x * 13 + static_cast<std::size_t>(subject)) % (4 + static_cast<std::size_t>(subject)) == 0) v[x] = (v[x] + 1) % 3;
  return v;
}

std::string TinyEvaluationRun::write_segmentation(const std::string& id, const LabelValues& values) const {
  const NiftiImage geometry = label_image(values);
  return write_inference_output(seg_dir(), id, geometry.data, geometry);
}

double naive_dice(const LabelValues& seg, const LabelValues& ref, int label) {
  const Counts c = count(seg, ref, label);
  return 2 * c.tp / (2 * c.tp + c.fp + c.fn);
}

double naive_jaccard(const LabelValues& seg, const LabelValues& ref, int label) {
  const Counts c = count(seg, ref, label);
  return c.tp / (c.tp + c.fp + c.fn);
}

}  // namespace voxtrain::testing

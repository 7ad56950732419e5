// window_aggregator.hpp — reassembles a subject's network output windows into one volume
// (overlaps averaged, uncovered voxels filled) and writes it as NiftyNet's window_seg_ file + inferred.csv.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/data/inference/grid_sampler.hpp"
#include "voxtrain/data/sampling/patch_location.hpp"
#include "voxtrain/io/nifti_image.hpp"

namespace voxtrain {

// How a window's voxels count towards the average: all alike, or a Gaussian centred on the
// (border-cropped) window that trusts its centre more than its edges (nnU-Net's sigma = 1/8).
enum class Weighting { Uniform, Gaussian };

// What finish() returns: the averaged values as float32 [C, D, H, W] (Probabilities checks that
// every value added lies in [0, 1]; Raw takes any finite or non-finite value), or the class with the
// highest average as int32 [1, D, H, W] (Argmax; ties go to the lowest class).
enum class AggregatedOutput { Probabilities, Argmax, Raw };

struct AggregationSettings {
  std::array<std::int64_t, 3> border{0, 0, 0};  // cropped off every face of each window (i, j, k)
  double fill_constant = 0.0;                   // what voxels no window covers hold
  Weighting weighting = Weighting::Uniform;
  double gaussian_sigma = 0.125;                // sigma per axis, as a fraction of the cropped window
  AggregatedOutput output = AggregatedOutput::Probabilities;
};

// One subject at a time. Sums are kept in double and rounded to float once in finish(). Windows
// are summed in the order they arrive, which batching does not change; made from a TilingPlan, the
// aggregator sums them in plan order whatever order they arrive in (an early window waits, copied,
// until the ones before it have come), so the result depends only on which windows were added.
class WindowAggregator {
 public:
  // image_size in i, j, k; n_channels = C of the network output. subject_id is for messages.
  // Throws voxtrain::Error for a non-whole fill_constant with Argmax or a gaussian_sigma <= 0.
  WindowAggregator(const std::array<std::int64_t, 3>& image_size, std::int64_t n_channels,
                   const AggregationSettings& settings, std::string subject_id = {});
  // Sums in plan order; every location added must be one of the plan's, each at most once.
  WindowAggregator(const TilingPlan& plan, std::int64_t n_channels, const AggregationSettings& settings);

  // windows [N, C, d, h, w] float32, where[n] the location of window n's INPUT window (what the
  // sampler cropped). Each location is cropped by the border on every face (not along an axis one voxel
  // thick, see effective_border); the network output window is cropped centrally to that size,
  // so an output smaller than the input window (valid convolutions) lands at the window's centre.
  // Voxels outside the image are ignored. Throws voxtrain::Error when the output window is smaller
  // than the cropped location (increase the border), the channel count is wrong, the windows and
  // locations disagree in number, (Probabilities) a value lies outside [0, 1], or (plan order) a
  // location is not on the plan or comes twice.
  void add(const Tensor& windows, const std::vector<PatchLocation>& where);

  // The aggregated volume (see AggregatedOutput); voxels with no weight hold fill_constant. Windows
  // still waiting for an earlier one that never came are summed first, in plan order (a window added
  // after finish() is no longer summed in plan order with those).
  Tensor finish();

  std::int64_t windows_added() const { return windows_added_; }
  // Windows held back until an earlier window (in plan order) arrives.
  std::size_t windows_waiting() const { return waiting_.size(); }

 private:
  struct Waiting {
    std::array<std::int64_t, 3> out_size{};
    std::vector<float> values;
    PatchLocation at;
  };
  void add_one(const float* window, const std::array<std::int64_t, 3>& out_size, const PatchLocation& at);
  std::int64_t plan_index(const PatchLocation& at) const;
  std::vector<double> axis_weights(std::int64_t n) const;

  std::array<std::int64_t, 3> size_;  // i, j, k
  std::int64_t channels_;
  AggregationSettings settings_;
  std::string subject_id_;
  std::vector<double> sum_;     // [C, D, H, W] weighted sums
  std::vector<double> weight_;  // [D, H, W] sums of weights
  std::int64_t windows_added_ = 0;
  // Plan order (absent when made from an image size).
  std::optional<TilingPlan> plan_;
  std::vector<bool> seen_;               // per plan index
  std::int64_t next_ = 0;                // the plan index summed next
  std::map<std::int64_t, Waiting> waiting_;
};

// Writes result ([C, D, H, W] float32 or [1, D, H, W] int32) with geometry's affine and codes to
// <save_dir>/window_seg_<subject_id>_<postfix>.nii.gz (NiftyNet's name: the default postfix gives
// "window_seg_<subject>__niftynet_out.nii.gz"), creating save_dir, and records the row
// "<subject_id>,<absolute output path>" in <save_dir>/inferred.csv (a row for the same subject is
// replaced; the csv is rewritten under a temporary name and renamed). Returns the output path.
// One process writes a save_dir at a time.
std::string write_inference_output(const std::string& save_dir, const std::string& subject_id,
                                   const Tensor& result, const NiftiImage& geometry,
                                   const std::string& postfix = "_niftynet_out");

}  // namespace voxtrain

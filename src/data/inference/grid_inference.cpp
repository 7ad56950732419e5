// grid_inference.cpp — a subject through grid windows, the network and the aggregator, then back
// onto the grid it was read on, and written where NiftyNet writes it.
#include "voxtrain/data/inference/grid_inference.hpp"

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/logger.hpp"
#include "voxtrain/data/inference/grid_sampler.hpp"

namespace voxtrain {

std::string describe_grid_inference(const Subject& preprocessed, const GridInferenceSpec& spec) {
  const TilingPlan plan = make_tiling_plan(preprocessed.size_ijk(), spec.window, spec.aggregation.border, 0, preprocessed.id);
  const std::size_t bytes = estimate_aggregation_bytes(preprocessed.size_ijk(), spec.output_channels, spec.window,
                                                       spec.batch_size);
  return fmt::format("{}: {} windows of {}x{}x{} (border {}x{}x{}), aggregation needs {}", preprocessed.id, plan.size(),
                     spec.window[0], spec.window[1], spec.window[2], spec.aggregation.border[0],
                     spec.aggregation.border[1], spec.aggregation.border[2], format_bytes(bytes));
}

Tensor infer_subject(const Subject& preprocessed, const OriginalGrid& grid, const WindowNetwork& network,
                     const GridInferenceSpec& spec) {
  if (spec.batch_size < 1) throw error("[INFERENCE] batch_size = {} is too small: give 1 or more", spec.batch_size);
  log_info("inference: {}", describe_grid_inference(preprocessed, spec));  // the memory it needs, up front
  TilingPlan plan = make_tiling_plan(preprocessed.size_ijk(), spec.window, spec.aggregation.border, 0, preprocessed.id);
  WindowAggregator aggregator(plan, spec.output_channels, spec.aggregation);
  GridSampler sampler(preprocessed, std::move(plan));
  Tensor windows;
  std::vector<PatchLocation> where;
  while (sampler.next(spec.batch_size, windows, where)) aggregator.add(network(windows), where);
  const Tensor on_preprocessed_grid = aggregator.finish();
  const Interpolation back = spec.aggregation.output == AggregatedOutput::Argmax ? Interpolation::Nearest
                                                                                 : Interpolation::Linear;
  return to_original_grid(on_preprocessed_grid, grid, back);
}

std::string write_subject_output(const std::string& save_dir, const std::string& subject_id, const Tensor& output,
                                 const OriginalGrid& grid, const std::string& postfix) {
  NiftiImage geometry;
  geometry.affine = grid.affine;
  geometry.qform_code = 1;  // scanner coordinates, as the affine read
  geometry.sform_code = 1;
  geometry.data = Tensor::empty({1, grid.size[2], grid.size[1], grid.size[0]}, DType::UInt8);  // its shape only
  return write_inference_output(save_dir, subject_id, output, geometry, postfix);
}

}  // namespace voxtrain

// test_model_saver.cpp — the model_saver handler: checkpoints at save_every_n and at the end, and
// the best checkpoint by a volume-level value (only volume_validation values count, the direction
// follows the metric, exactly one file is kept, a resumed run compares with the kept value).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "voxtrain/engine/engine_signals.hpp"
#include "voxtrain/engine/handlers/model_saver.hpp"
#include "voxtrain/io/checkpoint/checkpoint.hpp"

#include "support/test_files.hpp"

using namespace voxtrain;
using namespace voxtrain::testing;

namespace {

// A "network" of one parameter whose value is the iteration it was saved at.
class CountingApp final : public Application {
 public:
  void initialise(EngineContext&) override {}
  void run_iteration(IterationMessage&) override {}
  void save_checkpoint(CheckpointData& data) override {
    Tensor w = Tensor::empty({1});
    w.data<float>()[0] = static_cast<float>(data.iteration);
    data.params["w"] = w;
  }
  void restore_checkpoint(const CheckpointData&, const std::string&) override {}
};

struct Saver {
  CountingApp app;
  EngineSignals signals;
  std::unique_ptr<ModelSaver> saver;

  Saver(const ScratchDir& dir, std::optional<BestMetric> best, std::int64_t save_every_n = 0) {
    ModelSaverSettings s{.models_dir = dir.file("models"),
                         .save_every_n = save_every_n,
                         .max_checkpoints = 2,
                         .config_text = "[TRAINING]\n",
                         .world_size = 1,
                         .initial_iter = 0,
                         .final_iter = 100,
                         .best_metric = best,
                         .best_dir = dir.file("models/best")};
    saver = std::make_unique<ModelSaver>(app, s);
    saver->connect(signals);
  }
  void finish(std::int64_t iter, IterationPhase phase, std::vector<std::pair<std::string, double>> console) {
    IterationMessage m(iter, phase);
    m.console = std::move(console);
    signals.iteration_finished.emit(m);
  }
};

std::vector<std::int64_t> kept(const ScratchDir& dir, const std::string& sub) {
  return CheckpointDirectory(dir.file(sub)).iterations();
}

}  // namespace

TEST_CASE("model_saver: every save_every_n completed training iteration, the newest max_checkpoints kept", "[engine]") {
  const ScratchDir dir("saver_every");
  Saver s(dir, std::nullopt, 2);
  for (std::int64_t i = 1; i <= 6; ++i) s.finish(i, IterationPhase::Training, {{"loss", 1.0}});
  IterationMessage incomplete(8, IterationPhase::Training);
  incomplete.completed = false;  // a non-finite step that stopped the run is not saved as done
  s.signals.iteration_finished.emit(incomplete);
  CHECK(kept(dir, "models") == std::vector<std::int64_t>{4, 6});
  IterationMessage last(7, IterationPhase::Training);
  s.signals.session_finished.emit(last);
  CHECK(kept(dir, "models") == std::vector<std::int64_t>{6, 7});
  CHECK(read_checkpoint(dir.file("models/model.ckpt-7.h5")).params.at("w").data<float>()[0] == 7.0f);
  CHECK_FALSE(std::filesystem::exists(dir.file("models/best")));
}

TEST_CASE("model_saver: max_iter = 0 saves the initial weights as iteration 0; otherwise iteration 0 is not saved",
          "[engine]") {
  for (const std::int64_t final_iter : {0, 5}) {
    const ScratchDir dir("saver_zero");
    CountingApp app;
    EngineSignals signals;
    ModelSaverSettings settings;
    settings.models_dir = dir.file("models");
    settings.final_iter = final_iter;
    ModelSaver saver(app, settings);
    saver.connect(signals);
    IterationMessage finished(0, IterationPhase::Training);  // no training iteration completed
    signals.session_finished.emit(finished);
    CHECK(kept(dir, "models") == (final_iter == 0 ? std::vector<std::int64_t>{0} : std::vector<std::int64_t>{}));
  }
}

TEST_CASE("model_saver: the best checkpoint follows only volume-level values, in the metric's direction", "[engine]") {
  const ScratchDir dir("saver_best");
  {
    Saver s(dir, BestMetric{.name = "volume_dice", .higher_is_better = true});
    s.finish(1, IterationPhase::Training, {{"loss", 1.0}, {"patch_dice", 0.99}});
    s.finish(1, IterationPhase::Validation, {{"loss", 1.0}, {"patch_dice", 0.99}});  // patch-level: never
    CHECK(kept(dir, "models/best").empty());
    s.finish(2, IterationPhase::VolumeValidation, {{"volume_dice", 0.5}, {"volume_dice_1", 0.4}});
    CHECK(kept(dir, "models/best") == std::vector<std::int64_t>{2});
    s.finish(4, IterationPhase::VolumeValidation, {{"volume_dice", 0.7}});
    s.finish(6, IterationPhase::VolumeValidation, {{"volume_dice", 0.6}});  // worse: kept as it was
    s.finish(8, IterationPhase::VolumeValidation, {{"volume_dice", std::nan("")}});  // NaN never wins
    CHECK(kept(dir, "models/best") == std::vector<std::int64_t>{4});
    const CheckpointData best = read_checkpoint(dir.file("models/best/model.ckpt-4.h5"));
    CHECK(best.metrics.at("volume_dice") == 0.7);
    CHECK(best.params.at("w").data<float>()[0] == 4.0f);
  }
  {  // a resumed run compares with the value the kept checkpoint records
    Saver s(dir, BestMetric{.name = "volume_dice", .higher_is_better = true});
    s.finish(10, IterationPhase::VolumeValidation, {{"volume_dice", 0.65}});
    CHECK(kept(dir, "models/best") == std::vector<std::int64_t>{4});
    s.finish(12, IterationPhase::VolumeValidation, {{"volume_dice", 0.75}});
    CHECK(kept(dir, "models/best") == std::vector<std::int64_t>{12});
  }
  {  // a distance: lower is better; the kept file records another metric, so the first value wins
    Saver s(dir, BestMetric{.name = "volume_hausdorff_distance", .higher_is_better = false});
    s.finish(14, IterationPhase::VolumeValidation, {{"volume_dice", 0.1}, {"volume_hausdorff_distance", 9.0}});
    CHECK(kept(dir, "models/best") == std::vector<std::int64_t>{14});
    s.finish(16, IterationPhase::VolumeValidation, {{"volume_dice", 0.9}, {"volume_hausdorff_distance", 9.5}});
    s.finish(18, IterationPhase::VolumeValidation, {{"volume_dice", 0.2}, {"volume_hausdorff_distance", 3.0}});
    CHECK(kept(dir, "models/best") == std::vector<std::int64_t>{18});
  }
  {  // a run restarted from an earlier iteration: the new best replaces a file of a later one
    Saver s(dir, BestMetric{.name = "volume_hausdorff_distance", .higher_is_better = false});
    s.finish(6, IterationPhase::VolumeValidation, {{"volume_hausdorff_distance", 1.0}});
    CHECK(kept(dir, "models/best") == std::vector<std::int64_t>{6});
  }
}

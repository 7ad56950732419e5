// test_segmentation_settings.cpp — the segmentation application's settings from a config: the
// volume-level metrics validation computes, best_metric's requirement, restore_scopes items.
#include <catch2/catch.hpp>

#include <string>

#include "voxtrain/apps/segmentation/segmentation_settings.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/io/config/run_config.hpp"

using namespace voxtrain;
using Catch::Matchers::Equals;

namespace {

const std::string kInputs =
    "[T1]\npath_to_search = d\nspatial_window_size = (8, 8, 8)\n"
    "[NETWORK]\nname = unet\n"
    "[SEGMENTATION]\nimage = T1\nnum_classes = 3\n";

SegmentationSettings settings_of(const std::string& training) {
  return segmentation_settings(RunConfig::parse(kInputs + "[TRAINING]\n" + training, "/runs/a/config.ini"), 1);
}

std::string error_of(const std::string& training) {
  try {
    settings_of(training);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("segmentation settings: volume metrics, best_metric and restore_scopes", "[apps][config]") {
  CHECK(settings_of("").volume_metrics == std::vector<std::string>{"dice"});
  const SegmentationSettings best = settings_of("volume_validation_every_n = 50\nbest_metric = volume_hausdorff95_distance\n");
  CHECK(best.volume_metrics == std::vector<std::string>{"dice", "hausdorff95_distance"});
  CHECK(settings_of("volume_validation_every_n = 5\nbest_metric = volume_dice\n").volume_metrics ==
        std::vector<std::string>{"dice"});
  CHECK_THAT(error_of("best_metric = volume_dice\n"),
             Equals("/runs/a/config.ini:10: [TRAINING] best_metric = volume_dice needs validation by whole volumes: set "
                    "[TRAINING] volume_validation_every_n (e.g. to validation_every_n), or remove best_metric"));
  CHECK_THAT(error_of("best_metric = patch_dice\n"), Catch::Matchers::Contains("best_metric = patch_dice"));

  const SegmentationSettings seeded = settings_of("restore_scopes = unet.down0=pre/model.ckpt-5.h5, unet.up0=/abs/b.h5\n");
  REQUIRE(seeded.restore_scopes.size() == 2);
  CHECK(seeded.restore_scopes[0].scope == "unet.down0");
  CHECK(seeded.restore_scopes[0].checkpoint_path == "/runs/a/pre/model.ckpt-5.h5");  // from the config's folder
  CHECK(seeded.restore_scopes[1].scope == "unet.up0");
  CHECK(seeded.restore_scopes[1].checkpoint_path == "/abs/b.h5");
  CHECK_THAT(error_of("restore_scopes = unet.down0\n"),
             Equals("/runs/a/config.ini:10: [TRAINING] restore_scopes: item 'unet.down0' is not SCOPE=CHECKPOINT: write "
                    "e.g. unet.enc0=pretrained/model.ckpt-500.h5"));
  CHECK_THAT(error_of("restore_scopes = =x.h5\n"), Catch::Matchers::Contains("item '=x.h5' is not SCOPE=CHECKPOINT"));
}

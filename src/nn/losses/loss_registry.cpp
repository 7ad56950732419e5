// loss_registry.cpp — make_loss and loss_names: NiftyNet's loss names, in a fixed order, each with
// the class that computes it; an unknown name gets the list and the closest valid one.
#include <array>
#include <functional>

#include "cross_entropy/cross_entropy.hpp"
#include "cross_entropy/dice_plus_xent.hpp"
#include "region/dice.hpp"
#include "region/generalised_dice.hpp"
#include "region/sensitivity_specificity.hpp"
#include "region/tversky.hpp"
#include "region/volume_enforcement.hpp"
#include "region/wasserstein_dice.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/nn/loss.hpp"

namespace voxtrain {
namespace {

using losses::DiceForm;
using Factory = std::function<std::unique_ptr<Loss>(int num_classes, const LossOptions& options)>;

struct Entry {
  const char* name;
  Factory make;
};

Factory dice(const char* name, DiceForm form) {
  return [name, form](int c, const LossOptions& o) { return std::make_unique<losses::DiceLoss>(name, form, c, o); };
}

template <class L>
Factory plain() {
  return [](int c, const LossOptions& o) { return std::make_unique<L>(c, o); };
}

Factory cross_entropy(const char* name, bool dense) {
  return [name, dense](int c, const LossOptions& o) {
    return std::make_unique<losses::CrossEntropyLoss>(name, dense, c, o);
  };
}

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"Dice", dice("Dice", {.square = true, .dense = false})},
      {"Dice_NS", dice("Dice_NS", {.square = false, .dense = false})},
      {"Dice_Dense", dice("Dice_Dense", {.square = true, .dense = true})},
      {"Dice_Dense_NS", dice("Dice_Dense_NS", {.square = false, .dense = true})},
      {"GDSC", plain<losses::GeneralisedDiceLoss>()},
      {"Tversky", plain<losses::TverskyLoss>()},
      {"CrossEntropy", cross_entropy("CrossEntropy", false)},
      {"CrossEntropy_Dense", cross_entropy("CrossEntropy_Dense", true)},
      {"DicePlusXEnt", plain<losses::DicePlusXEntLoss>()},
      {"SensSpec", plain<losses::SensitivitySpecificityLoss>()},
      {"WGDL", plain<losses::WassersteinDiceLoss>()},
      {"VolEnforcement", plain<losses::VolumeEnforcementLoss>()},
  };
  return entries;
}

}  // namespace

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<Loss> make_loss(std::string_view name, int num_classes, const LossOptions& options) {
  for (const Entry& e : registry()) {
    if (name != e.name) continue;
    if (num_classes < 1)
      throw error("loss '{}': num_classes = {} must be at least 1: give the number of segmentation classes, "
                  "background included",
                  name, num_classes);
    return e.make(num_classes, options);
  }
  const std::vector<std::string> names = loss_names();
  throw error("unknown segmentation loss '{}'{}: use one of {}", name,
              did_you_mean(name, names), join(names));
}

}  // namespace voxtrain

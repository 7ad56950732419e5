// network.hpp — a segmentation network (logits [N, num_classes, D, H, W] from [N, in_channels,
// D, H, W]) and the registry of networks by the names NiftyNet users write in [NETWORK] name=.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/nn/initializer.hpp"
#include "voxtrain/nn/module.hpp"

namespace voxtrain {

struct NetworkConfig {
  std::int64_t in_channels = 1;
  std::int64_t num_classes = 2;
  std::string activation_function = "relu";
  std::string normalisation = "batch";  // batch | instance | group
  int group_size = 32;                  // group norm: number of groups (NiftyNet's meaning), capped at the channels
  std::int64_t base_channels = 16;      // unet: channels of the first level
  int depth = 4;                        // unet: levels (depth - 1 poolings)
  Initializer init;
};

class Network : public Module {
 public:
  using Module::Module;
  // Throws Error naming the network and what input sizes it takes.
  virtual void check_input(const Shape& x) const = 0;
  // check_input plus the element type: images are float32.
  void check_images(const Tensor& x) const;
  // The largest power of two every spatial size must be divisible by (1: any size).
  virtual std::int64_t size_divisor() const { return 1; }
};

using NetworkFactory = std::function<std::unique_ptr<Network>(const NetworkConfig&)>;

// An unknown name is an Error listing the registered names and suggesting the closest.
std::unique_ptr<Network> make_network(std::string_view name, const NetworkConfig& config);
std::vector<std::string> network_names();
// Adds a network (for plugins); a name already taken is an Error.
void register_network(const std::string& name, NetworkFactory factory);

// Helpers shared by the networks: the configured normalisation and activation.
NormSpec norm_spec_for(const NetworkConfig& config, std::int64_t channels);
// Checks [N, in_channels, D, H, W] with every spatial size divisible by divisor.
void check_network_input(const std::string& network, const Shape& x, std::int64_t in_channels, std::int64_t divisor,
                         const std::string& why);

}  // namespace voxtrain

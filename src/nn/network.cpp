// network.cpp — the network registry (built-in networks plus plugins) and shared input checks.
#include "voxtrain/nn/network.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/nn/layers/norm.hpp"
#include "voxtrain/nn/networks/highres3dnet.hpp"
#include "voxtrain/nn/networks/toynet.hpp"
#include "voxtrain/nn/networks/unet3d.hpp"

namespace voxtrain {
namespace {

// The registry: the one piece of global mutable state DESIGN.md allows, guarded.
struct Registry {
  std::mutex mutex;
  std::map<std::string, NetworkFactory> factories{
      {"toynet", [](const NetworkConfig& c) -> std::unique_ptr<Network> { return std::make_unique<ToyNet>(c); }},
      {"unet", [](const NetworkConfig& c) -> std::unique_ptr<Network> { return std::make_unique<UNet3d>(c); }},
      {"highres3dnet",
       [](const NetworkConfig& c) -> std::unique_ptr<Network> { return std::make_unique<HighRes3DNet>(c); }},
  };
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

std::vector<std::string> network_names() {
  auto& r = registry();
  const std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

std::unique_ptr<Network> make_network(std::string_view name, const NetworkConfig& config) {
  NetworkFactory factory;
  {
    auto& r = registry();
    const std::lock_guard lock(r.mutex);
    if (auto it = r.factories.find(std::string(name)); it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    const auto names = network_names();
    throw error("unknown network '{}' in [NETWORK] name{}: use one of {}", name,
                did_you_mean(name, names), join(names));
  }
  if (config.in_channels < 1 || config.num_classes < 1)
    throw error("network '{}' needs at least one input channel and one class (got {} and {})", name,
                config.in_channels, config.num_classes);
  return factory(config);
}

void register_network(const std::string& name, NetworkFactory factory) {
  auto& r = registry();
  const std::lock_guard lock(r.mutex);
  if (!r.factories.emplace(name, std::move(factory)).second)
    throw error("a network named '{}' is already registered: choose another name for the plugin's network", name);
}

void Network::check_images(const Tensor& x) const {
  if (x.dtype() != DType::Float32)
    throw error("{}: the input images are {} but networks take float32: convert them when loading (the "
                "data pipeline does)",
                name(), dtype_name(x.dtype()));
  check_input(x.shape());
}

NormSpec norm_spec_for(const NetworkConfig& config, std::int64_t channels) {
  NormSpec spec;
  spec.kind = parse_norm_kind(config.normalisation);
  if (spec.kind == NormKind::Group) {
    const std::int64_t groups = std::min<std::int64_t>(config.group_size, channels);
    if (groups < 1 || channels % groups != 0)
      throw error("[NETWORK] group_size = {} groups cannot split a layer of {} channels: use a number of "
                  "groups that divides every layer's channel count (e.g. 4 or 8)",
                  config.group_size, channels);
    spec.groups = static_cast<int>(groups);
  }
  return spec;
}

void check_network_input(const std::string& network, const Shape& x, std::int64_t in_channels, std::int64_t divisor,
                         const std::string& why) {
  if (x.rank() != 5 || x[1] != in_channels)
    throw error("{}: input of shape {} but the network takes [N, {}, D, H, W]", network, x.to_string(), in_channels);
  for (int i = 2; i < 5; ++i) {
    if (x[i] % divisor == 0) continue;
    const std::int64_t down = x[i] / divisor * divisor;
    const std::int64_t up = down + divisor;
    throw error("{}: spatial size {} of input {} is not divisible by {} ({}): use {}{}", network, x[i],
                x.to_string(), divisor, why, up, down > 0 ? fmt::format(" or {}", down) : std::string());
  }
}

}  // namespace voxtrain

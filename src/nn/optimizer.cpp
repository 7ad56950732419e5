// optimizer.cpp — what every optimizer shares: validation, the refusal of non-finite gradients,
// regularisation, global-norm clipping, per-parameter state and its save/load, the registry.
#include "voxtrain/nn/optimizer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/nn/optimizers/adagrad.hpp"
#include "voxtrain/nn/optimizers/adam.hpp"
#include "voxtrain/nn/optimizers/rmsprop.hpp"
#include "voxtrain/nn/optimizers/sgd.hpp"

namespace voxtrain {
namespace {

constexpr std::string_view kStepKey = "step";


Tensor int64_scalar(std::int64_t value) {
  Tensor t = Tensor::empty({1}, DType::Int64);
  t.data<std::int64_t>()[0] = value;
  return t;
}

// "<param>/<entry>" split at the last '/', so that parameter names may hold '/' themselves.
std::pair<std::string, std::string> split_key(const std::string& key) {
  const auto slash = key.rfind('/');
  if (slash == std::string::npos) return {key, ""};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

struct Entry {
  std::string name;
  std::function<std::unique_ptr<Optimizer>(const OptimizerConfig&)> make;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"adam", [](const OptimizerConfig& c) { return std::make_unique<Adam>(c, "adam"); }},
      {"adamw", [](const OptimizerConfig& c) { return std::make_unique<Adam>(c, "adamw"); }},
      {"gradientdescent", [](const OptimizerConfig& c) { return std::make_unique<Sgd>(c, "gradientdescent"); }},
      {"sgd", [](const OptimizerConfig& c) { return std::make_unique<Sgd>(c, "sgd"); }},
      {"momentum", [](const OptimizerConfig& c) { return std::make_unique<Sgd>(c, "momentum"); }},
      {"nesterov", [](const OptimizerConfig& c) { return std::make_unique<Sgd>(c, "nesterov"); }},
      {"adagrad", [](const OptimizerConfig& c) { return std::make_unique<Adagrad>(c); }},
      {"rmsprop", [](const OptimizerConfig& c) { return std::make_unique<RmsProp>(c); }},
  };
  return entries;
}

}  // namespace

// ---- construction and validation ----------------------------------------------------------------

Optimizer::Optimizer(const OptimizerConfig& config, std::string name, std::vector<Slot> slots)
    : config_(config), name_(std::move(name)), slots_(std::move(slots)) {
  for (const Slot& s : slots_) slot_names_.push_back(s.name);

  require_non_negative("[NETWORK] decay", config_.decay, "1e-5");
  const std::string reg = to_lower(config_.reg_type);
  if (reg != "l2" && reg != "l1") {
    const std::vector<std::string> valid = {"L2", "L1"};
    throw error("[NETWORK] reg_type = '{}' is not a regularisation voxtrain knows: use L2 or L1{}",
                config_.reg_type, did_you_mean(config_.reg_type, valid));
  }
  if (config_.decay > 0) regularisation_ = reg == "l2" ? Regularisation::L2 : Regularisation::L1;

  require_non_negative("[TRAINING] weight_decay", config_.weight_decay, "0.01");
  if (config_.weight_decay > 0 && name_ != "adamw")
    throw error("[TRAINING] weight_decay = {} applies only to optimiser 'adamw', not '{}': choose "
                "optimiser = adamw, or use [NETWORK] decay for L2 regularisation through the "
                "gradient",
                config_.weight_decay, name_);
  require_non_negative("[TRAINING] clip_global_norm", config_.clip_global_norm, "5.0 (or 0 for no clipping)");

  // Settings whose default means "off" are refused where the chosen optimiser would ignore them.
  const bool sgd_family = name_ == "sgd" || name_ == "momentum" || name_ == "nesterov" || name_ == "gradientdescent";
  if (config_.nesterov && !sgd_family)
    throw error("[TRAINING] nesterov = true applies only to optimisers sgd, momentum and nesterov, not "
                "'{}': set nesterov = false, or choose optimiser = nesterov",
                name_);
  if (config_.rmsprop_momentum != 0.0 && name_ != "rmsprop")
    throw error("[TRAINING] rmsprop_momentum = {} applies only to optimiser 'rmsprop', not '{}': remove "
                "it, or use [TRAINING] momentum with optimiser = momentum",
                config_.rmsprop_momentum, name_);
}

void Optimizer::require_fraction(std::string_view key, double value, std::string_view example) const {
  if (!(std::isfinite(value) && value >= 0.0 && value < 1.0))
    throw error("{} = {} is outside [0, 1) for optimiser '{}': use a value such as {}", key, value,
                name_, example);
}

void Optimizer::require_non_negative(std::string_view key, double value, std::string_view example) const {
  if (!(std::isfinite(value) && value >= 0.0))
    throw error("{} = {} must be a finite number >= 0 for optimiser '{}': use a value such as {}",
                key, value, name_, example);
}

void Optimizer::require_positive(std::string_view key, double value, std::string_view example) const {
  if (!(std::isfinite(value) && value > 0.0))
    throw error("{} = {} must be a finite number > 0 for optimiser '{}': use a value such as {}",
                key, value, name_, example);
}

// ---- one step ---------------------------------------------------------------------------------

void Optimizer::step(std::span<Parameter* const> parameters, double learning_rate) {
  if (!(std::isfinite(learning_rate) && learning_rate >= 0.0))
    throw error("learning rate {} for optimiser '{}' is not a finite number >= 0: check [TRAINING] "
                "lr and the learning-rate schedule",
                learning_rate, name_);

  std::set<std::string_view> names;
  for (const Parameter* p : parameters) {
    if (p == nullptr) throw InternalError(fmt::format("optimiser '{}' was given a null parameter", name_));
    if (!names.insert(p->name()).second)
      throw InternalError(fmt::format("optimiser '{}' was given two parameters named '{}': names key "
                                      "the optimizer state and must be unique",
                                      name_, p->name()));
    const Tensor& g = p->grad();
    if (!g.defined() || g.dtype() != DType::Float32 || !(g.shape() == p->value().shape()))
      throw InternalError(fmt::format("parameter '{}' has a gradient of shape {} for a value of shape {}",
                                      p->name(), g.defined() ? g.shape().to_string() : "(none)",
                                      p->value().shape().to_string()));
  }

  // Refuse a non-finite gradient before anything changes.
  for (const Parameter* p : parameters) {
    const float* g = p->grad().data<float>();
    for (std::int64_t i = 0; i < p->numel(); ++i)
      if (!std::isfinite(g[i]))
        throw error("parameter '{}' has a non-finite gradient {} at element {} (of {}): no weight was "
                    "updated; the loss diverged or the input holds NaN/Inf: lower [TRAINING] lr, set "
                    "[TRAINING] clip_global_norm, or check the input images",
                    p->name(), g[i], i, p->numel());
  }

  const std::vector<ParameterState*> states = prepare_states(parameters);
  const double scale = clip_scale(parameters);

  std::vector<float*> slot_data;
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    Parameter& p = *parameters[k];
    ParameterState& state = *states[k];
    effective_gradient(p, scale, scratch_);
    slot_data.clear();
    for (Tensor& s : state.slots) slot_data.push_back(s.data<float>());
    ++state.step;
    const auto n = static_cast<std::size_t>(p.numel());
    update(Update{.value = {p.value().data<float>(), n},
                  .grad = {scratch_.data(), n},
                  .slots = slot_data,
                  .learning_rate = learning_rate,
                  .step = state.step});
  }
  ++steps_;
}

// Finds (or makes) each parameter's state; checks every shape before making any.
std::vector<Optimizer::ParameterState*> Optimizer::prepare_states(std::span<Parameter* const> parameters) {
  for (const Parameter* p : parameters) {
    const auto found = states_.find(p->name());
    if (found == states_.end()) continue;
    for (std::size_t s = 0; s < slots_.size(); ++s) {
      const Tensor& slot = found->second.slots[s];
      if (!(slot.shape() == p->value().shape()))
        throw error("optimizer state '{}/{}' has shape {} but parameter '{}' has shape {}: the loaded "
                    "state belongs to another network; resume from a checkpoint of this network or "
                    "start without optimizer state",
                    p->name(), slots_[s].name, slot.shape().to_string(), p->name(),
                    p->value().shape().to_string());
    }
  }
  std::vector<ParameterState*> states;
  states.reserve(parameters.size());
  for (const Parameter* p : parameters) {
    auto [it, inserted] = states_.try_emplace(p->name());
    if (inserted) {
      for (const Slot& s : slots_) {
        Tensor t = Tensor::empty(p->value().shape());
        t.fill(s.initial_value);
        it->second.slots.push_back(std::move(t));
      }
    }
    states.push_back(&it->second);
  }
  return states;
}

// clip / max(norm, clip) over all regularised gradients together, or exactly 1 when not clipping.
double Optimizer::clip_scale(std::span<Parameter* const> parameters) const {
  if (config_.clip_global_norm <= 0) return 1.0;
  double sum_of_squares = 0.0;
  std::vector<double> g;
  for (const Parameter* p : parameters) {
    effective_gradient(*p, 1.0, g);
    for (const double x : g) sum_of_squares += x * x;
  }
  const double norm = std::sqrt(sum_of_squares);
  return norm > config_.clip_global_norm ? config_.clip_global_norm / norm : 1.0;
}

// grad + decay * w (L2) or grad + decay * sign(w) (L1), times the clipping scale, in double.
void Optimizer::effective_gradient(const Parameter& p, double scale, std::vector<double>& out) const {
  const auto n = static_cast<std::size_t>(p.numel());
  out.resize(n);
  const float* g = p.grad().data<float>();
  const float* w = p.value().data<float>();
  const double decay = config_.decay;
  for (std::size_t i = 0; i < n; ++i) {
    double x = g[i];
    const double wi = w[i];
    if (regularisation_ == Regularisation::L2) x += decay * wi;
    if (regularisation_ == Regularisation::L1) x += decay * static_cast<double>((wi > 0) - (wi < 0));
    out[i] = x * scale;  // exact when scale is 1
  }
}

// ---- state --------------------------------------------------------------------------------------

NamedTensors Optimizer::state() const {
  NamedTensors out;
  out.emplace(std::string(kStepKey), int64_scalar(steps_));
  for (const auto& [param, state] : states_) {
    out.emplace(param + "/step", int64_scalar(state.step));
    for (std::size_t s = 0; s < slots_.size(); ++s)
      out.emplace(param + "/" + slots_[s].name, state.slots[s].clone());
  }
  return out;
}

void Optimizer::load_state(const NamedTensors& state) {
  auto expect_int64_scalar = [&](const std::string& key, const Tensor& t, std::int64_t minimum) {
    if (!t.defined() || t.dtype() != DType::Int64 || t.numel() != 1 || !t.device().is_cpu())
      throw error("optimizer state entry '{}' must be one int64 on the host, not {} {}: the state is "
                  "damaged or was not written by voxtrain; resume from another checkpoint",
                  key, t.defined() ? dtype_name(t.dtype()) : "undefined", t.shape().to_string());
    const std::int64_t v = t.data<std::int64_t>()[0];
    if (v < minimum)
      throw error("optimizer state entry '{}' = {} must be >= {}: the state is damaged; resume from "
                  "another checkpoint",
                  key, v, minimum);
    return v;
  };

  const auto step = state.find(std::string(kStepKey));
  if (step == state.end())
    throw error("optimizer state has no '{}' entry: it was not written by Optimizer::state() or is "
                "damaged; resume from another checkpoint",
                kStepKey);
  const std::int64_t steps = expect_int64_scalar(step->first, step->second, 0);

  std::vector<std::string> known = slot_names_;
  known.emplace_back(kStepKey);
  std::map<std::string, ParameterState> loaded;
  for (const auto& [key, tensor] : state) {
    if (key == kStepKey) continue;
    const auto [param, entry] = split_key(key);
    const bool is_known = std::find(known.begin(), known.end(), entry) != known.end();
    if (key.find('/') == std::string::npos || !is_known)
      throw error("optimizer state entry '{}' is not one optimiser '{}' keeps (per parameter: {}): "
                  "the state was saved by another optimiser; resume with the [TRAINING] optimiser "
                  "of the saved run",
                  key, name_, join(known));
    ParameterState& ps = loaded[param];
    if (entry == kStepKey) ps.step = expect_int64_scalar(key, tensor, 1);
  }
  for (auto& [param, ps] : loaded) {
    if (ps.step == 0)
      throw error("optimizer state for parameter '{}' has no '{}/step' entry: the state is damaged; "
                  "resume from another checkpoint",
                  param, param);
    for (const Slot& s : slots_) {
      const std::string key = param + "/" + s.name;
      const auto found = state.find(key);
      if (found == state.end())
        throw error("optimizer state for parameter '{}' lacks the entry '{}' that optimiser '{}' needs: "
                    "the state was saved by another optimiser or with other settings; resume with "
                    "the same [TRAINING] settings",
                    param, key, name_);
      const Tensor& t = found->second;
      if (!t.defined() || t.dtype() != DType::Float32 || !t.device().is_cpu())
        throw error("optimizer state entry '{}' must be a float32 host tensor, not {}: the state is "
                    "damaged; resume from another checkpoint",
                    key, t.defined() ? dtype_name(t.dtype()) : "undefined");
      const Tensor& first = ps.slots.empty() ? t : ps.slots.front();
      if (!(t.shape() == first.shape()))
        throw error("optimizer state entry '{}' has shape {} but '{}/{}' has shape {}: the state is "
                    "damaged; resume from another checkpoint",
                    key, t.shape().to_string(), param, slots_.front().name, first.shape().to_string());
      ps.slots.push_back(t.clone());
    }
  }
  states_ = std::move(loaded);
  steps_ = steps;
}

// ---- registry -----------------------------------------------------------------------------------

std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.push_back(e.name);
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config) {
  const std::string wanted = to_lower(config.name);
  for (const Entry& e : registry())
    if (e.name == wanted) return e.make(config);
  const std::vector<std::string> names = optimizer_names();
  throw error("[TRAINING] optimiser = '{}' is not an optimiser voxtrain knows: use one of {}{}",
              config.name, join(names), did_you_mean(config.name, names));
}

}  // namespace voxtrain

// optimizer.hpp — Optimizer: updates Parameters from their gradients (after NiftyNet's L2/L1
// regularisation and global-norm clipping), keeps resumable state, and the registry of names.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/nn/parameter.hpp"

namespace voxtrain {

using NamedTensors = std::map<std::string, Tensor>;

// What [TRAINING] (and NiftyNet's [NETWORK] decay / reg_type) say about the optimiser. Every
// default names its source; docs/OPTIMIZERS.md gives the update formulas.
struct OptimizerConfig {
  // [TRAINING] optimiser, case-insensitive. NiftyNet's names: adam, gradientdescent, momentum,
  // nesterov, adagrad, rmsprop; plus sgd (gradient descent with `momentum` and `nesterov` as
  // given; with the default momentum 0.9 it is 'momentum') and adamw (Adam with decoupled decay).
  std::string name = "adam";

  // sgd, momentum, nesterov: the heavy-ball coefficient. 0.9 is what NiftyNet passes to TF's
  // MomentumOptimizer for 'momentum' and 'nesterov' (PyTorch's SGD defaults to 0). Ignored by
  // gradientdescent, which is always plain. Must lie in [0, 1).
  double momentum = 0.9;
  // sgd, momentum: Nesterov's look-ahead (TF use_nesterov, PyTorch nesterov). 'nesterov' sets it.
  bool nesterov = false;

  // adam, adamw: Kingma & Ba's recommended values, which TF, PyTorch and NiftyNet all use.
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;  // TF's "epsilon hat" (added to sqrt(v) before bias correction)

  // rmsprop: decay of the running mean square (TF's `decay`, 0.9, as NiftyNet passes it;
  // PyTorch's `alpha` defaults to 0.99).
  double rho = 0.9;
  // rmsprop: its own momentum term, 0 as in TF's RMSPropOptimizer and NiftyNet (a separate key,
  // so that the 0.9 of sgd does not silently turn it on).
  double rmsprop_momentum = 0.0;
  // rmsprop: added to the mean square inside the square root, 1e-10 as in TF and NiftyNet
  // (PyTorch adds its 1e-8 outside the root).
  double rmsprop_epsilon = 1e-10;

  // adagrad: the accumulator's starting value, 0.1 as in TF's AdagradOptimizer and NiftyNet
  // (PyTorch starts at 0 and adds eps = 1e-10 instead). Must be > 0.
  double initial_accumulator = 0.1;

  // [NETWORK] decay: regularisation strength added to every parameter's gradient.
  // L2: grad += decay * w  (TF's l2_regularizer(decay) = decay * sum(w^2) / 2);
  // L1: grad += decay * sign(w)  (TF's l1_regularizer(decay) = decay * sum(|w|)).
  double decay = 0.0;
  // [NETWORK] reg_type: L2 or L1, case-insensitive, as in NiftyNet.
  std::string reg_type = "L2";

  // adamw only: decoupled weight decay, w -= lr * weight_decay * w (PyTorch's AdamW; its default
  // is 1e-2, ours 0 so that nothing decays unless asked).
  double weight_decay = 0.0;

  // > 0: scale all gradients (after regularisation) by clip / max(norm, clip), norm being their
  // global L2 norm over all parameters together (TF's clip_by_global_norm). 0: no clipping.
  double clip_global_norm = 0.0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter from its grad with this learning rate. Refuses (throws Error
  // naming the parameter, the element index and the value) a non-finite gradient before
  // changing any weight. Parameter names must be unique: they key the state. A parameter seen
  // for the first time gets fresh state. The gradients themselves are left as they are.
  void step(std::span<Parameter* const> parameters, double learning_rate);

  // Everything needed to resume bit-exactly, as copies: "step" (int64 [1], calls to step()),
  // "<param>/step" (int64 [1], updates of that parameter) and "<param>/<slot>" (float32, the
  // parameter's shape) for each slot in slot_names().
  NamedTensors state() const;
  // Replaces the state with a copy of one that state() wrote. Throws Error naming a missing or
  // mismatched entry, and then keeps the current state. Shapes are checked against the
  // parameters at the next step().
  void load_state(const NamedTensors& state);

  const OptimizerConfig& config() const { return config_; }
  const std::string& name() const { return name_; }            // the registry's name, lower case
  std::int64_t steps() const { return steps_; }                // calls to step() so far
  const std::vector<std::string>& slot_names() const { return slot_names_; }

 protected:
  // A per-parameter tensor the optimizer keeps, shaped like the parameter, and its start value.
  struct Slot {
    std::string name;
    float initial_value = 0.0f;
  };

  // One parameter's update: the subclass changes value and its slots in place.
  struct Update {
    std::span<float> value;
    std::span<const double> grad;      // after regularisation and clipping
    std::span<float* const> slots;     // one per Slot, value.size() elements each
    double learning_rate;
    std::int64_t step;                 // this parameter's update count, 1 on its first update
  };

  // Validates the settings every optimizer shares (decay, reg_type, weight_decay,
  // clip_global_norm); `name` is the registry's name.
  Optimizer(const OptimizerConfig& config, std::string name, std::vector<Slot> slots);

  virtual void update(const Update& u) = 0;

  // Validation helpers for subclasses: throw Error naming `key` (e.g. "[TRAINING] beta1").
  void require_fraction(std::string_view key, double value, std::string_view example) const;  // [0, 1)
  void require_non_negative(std::string_view key, double value, std::string_view example) const;
  void require_positive(std::string_view key, double value, std::string_view example) const;

 private:
  struct ParameterState {
    std::vector<Tensor> slots;  // in slots_ order
    std::int64_t step = 0;
  };
  enum class Regularisation { None, L2, L1 };

  std::vector<ParameterState*> prepare_states(std::span<Parameter* const> parameters);
  double clip_scale(std::span<Parameter* const> parameters) const;
  void effective_gradient(const Parameter& p, double scale, std::vector<double>& out) const;

  OptimizerConfig config_;
  std::string name_;
  std::vector<Slot> slots_;
  std::vector<std::string> slot_names_;
  Regularisation regularisation_ = Regularisation::None;
  std::map<std::string, ParameterState> states_;
  std::int64_t steps_ = 0;
  std::vector<double> scratch_;  // one parameter's effective gradient
};

// The registry's names: adam, adamw, gradientdescent, sgd, momentum, nesterov, adagrad, rmsprop.
std::vector<std::string> optimizer_names();

// Builds the optimizer config.name names (case-insensitive). Throws Error for an unknown name
// (listing the valid ones and the closest), an out-of-range setting, or a setting that the
// chosen optimizer would ignore although it was asked for (nesterov, weight_decay,
// rmsprop_momentum).
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config);

}  // namespace voxtrain

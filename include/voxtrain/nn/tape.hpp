// tape.hpp — autograd: a forward pass records each operation's output and how to turn the
// output's gradient into its inputs' gradients; backward replays them in reverse.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "voxtrain/backend/backend.hpp"
#include "voxtrain/nn/parameter.hpp"

namespace voxtrain {

class Tape;

// A value recorded on a tape (a handle: copying it copies the reference).
struct Var {
  Tape* tape = nullptr;
  int id = -1;
  const Tensor& value() const;
  const Shape& shape() const { return value().shape(); }
};

class Tape {
 public:
  // dy: the gradient of the output; needs[i]: whether input i wants a gradient. Returns one
  // tensor per input (undefined where not needed), in any layout of the backend.
  using Backward = std::function<std::vector<Tensor>(const Tensor& dy, const std::vector<bool>& needs)>;
  // Called with a parameter once its gradient is complete (the distributed issue all-reduces here).
  using GradientReady = std::function<void(Parameter&)>;

  explicit Tape(Backend& backend) : backend_(backend) {}
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  Backend& backend() { return backend_; }

  // Without recording (inference), record() keeps outputs but no backward functions.
  void set_recording(bool recording) { recording_ = recording; }
  bool recording() const { return recording_; }

  Var input(Tensor value);        // data: no gradient
  Var parameter(Parameter& p);    // its gradient is added to p.grad()
  Var record(std::string op, const std::vector<Var>& inputs, Tensor output, Backward backward);

  bool requires_grad(Var v) const { return nodes_.at(static_cast<std::size_t>(v.id)).requires_grad; }
  const Tensor& value(Var v) const { return nodes_.at(static_cast<std::size_t>(v.id)).value; }

  void on_gradient_ready(GradientReady hook) { gradient_ready_ = std::move(hook); }

  // Back-propagates seed = d(loss)/d(root) (root's shape) into every parameter's grad, releasing
  // activations as it goes, and fires the hook once for each Parameter when its gradient is
  // final: a Parameter recorded several times (parameter(p) called twice) fires once, after the
  // last of its nodes has added its gradient.
  void backward(Var root, const Tensor& seed);
  // Forgets everything recorded (the parameters keep their gradients).
  void clear() { nodes_.clear(); }
  std::size_t size() const { return nodes_.size(); }

 private:
  struct Node {
    std::string op;
    std::vector<int> inputs;
    Tensor value;
    Backward backward;
    Parameter* parameter = nullptr;
    bool requires_grad = false;
    Tensor grad;
    int pending_consumers = 0;
    bool finished = false;
  };
  Var add_node(Node node);
  void accumulate(Node& node, Tensor gradient);
  void finish_parameter(Node& node);

  Backend& backend_;
  std::vector<Node> nodes_;
  // During backward: the nodes of each Parameter not yet finished.
  std::unordered_map<Parameter*, int> unfinished_nodes_;
  bool recording_ = true;
  GradientReady gradient_ready_;
};

}  // namespace voxtrain

// tape.cpp — recording, gradient accumulation in the backend's layouts, and the reverse sweep
// that frees each activation once nothing needs it.
#include "voxtrain/nn/tape.hpp"

#include <fmt/format.h>

#include "voxtrain/core/error.hpp"

namespace voxtrain {

const Tensor& Var::value() const {
  if (tape == nullptr) throw InternalError("use of an unrecorded Var");
  return tape->value(*this);
}

Var Tape::add_node(Node node) {
  nodes_.push_back(std::move(node));
  return Var{this, static_cast<int>(nodes_.size()) - 1};
}

Var Tape::input(Tensor value) {
  Node node;
  node.op = "input";
  node.value = std::move(value);
  return add_node(std::move(node));
}

Var Tape::parameter(Parameter& p) {
  Node node;
  node.op = "parameter " + p.name();
  node.value = p.value();
  node.parameter = &p;
  node.requires_grad = recording_;
  return add_node(std::move(node));
}

Var Tape::record(std::string op, const std::vector<Var>& inputs, Tensor output, Backward backward) {
  Node node;
  node.op = std::move(op);
  node.value = std::move(output);
  for (const Var& v : inputs) {
    if (v.tape != this) throw InternalError(fmt::format("{}: an input comes from another tape", node.op));
    node.inputs.push_back(v.id);
    node.requires_grad = node.requires_grad || nodes_[static_cast<std::size_t>(v.id)].requires_grad;
  }
  node.requires_grad = node.requires_grad && recording_;
  if (node.requires_grad) node.backward = std::move(backward);
  return add_node(std::move(node));
}

void Tape::accumulate(Node& node, Tensor gradient) {
  if (!(gradient.shape() == node.value.shape()))
    throw InternalError(fmt::format("gradient {} for '{}' whose value is {}", gradient.shape().to_string(), node.op,
                                    node.value.shape().to_string()));
  node.grad = node.grad.defined() ? backend_.add(node.grad, gradient) : std::move(gradient);
}

void Tape::finish_parameter(Node& node) {
  if (node.finished) return;
  node.finished = true;
  Parameter& p = *node.parameter;
  if (node.grad.defined()) {
    const Tensor g = backend_.to_plain(node.grad);
    const float* src = g.data<float>();
    float* dst = p.grad().data<float>();
    for (std::int64_t i = 0; i < g.numel(); ++i) dst[i] += src[i];
  }
  node.grad = Tensor();
  // The hook waits for the Parameter's last node: only then is p.grad() final.
  if (--unfinished_nodes_.at(&p) == 0 && gradient_ready_) gradient_ready_(p);
}

void Tape::backward(Var root, const Tensor& seed) {
  if (root.tape != this) throw InternalError("backward from a Var of another tape");
  const auto last = static_cast<std::size_t>(root.id);
  for (Node& n : nodes_) {
    n.pending_consumers = 0;
    n.finished = false;
  }
  unfinished_nodes_.clear();
  for (std::size_t i = 0; i <= last; ++i)
    if (nodes_[i].parameter && nodes_[i].requires_grad) ++unfinished_nodes_[nodes_[i].parameter];
  for (std::size_t i = 0; i <= last; ++i)
    if (nodes_[i].requires_grad)
      for (int in : nodes_[i].inputs) ++nodes_[static_cast<std::size_t>(in)].pending_consumers;

  accumulate(nodes_[last], seed);
  for (std::size_t i = last + 1; i-- > 0;) {
    Node& node = nodes_[i];
    if (node.parameter) {
      if (node.pending_consumers == 0 && node.requires_grad) finish_parameter(node);
      continue;
    }
    if (!node.requires_grad || !node.backward) continue;
    if (node.grad.defined()) {
      std::vector<bool> needs;
      for (int in : node.inputs) needs.push_back(nodes_[static_cast<std::size_t>(in)].requires_grad);
      std::vector<Tensor> grads = node.backward(node.grad, needs);
      if (grads.size() != node.inputs.size())
        throw InternalError(fmt::format("'{}' returned {} gradients for {} inputs", node.op, grads.size(),
                                        node.inputs.size()));
      for (std::size_t k = 0; k < grads.size(); ++k)
        if (needs[k] && grads[k].defined()) accumulate(nodes_[static_cast<std::size_t>(node.inputs[k])], std::move(grads[k]));
    }
    // This node is done: release what it held, and finish parameters it was the last user of.
    node.backward = nullptr;
    node.grad = Tensor();
    node.value = Tensor();
    for (int in : node.inputs) {
      Node& input = nodes_[static_cast<std::size_t>(in)];
      if (--input.pending_consumers == 0 && input.parameter && input.requires_grad) finish_parameter(input);
    }
  }
}

}  // namespace voxtrain

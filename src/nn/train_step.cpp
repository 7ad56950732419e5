// train_step.cpp — a training step and a prediction on one batch.
#include "voxtrain/nn/train_step.hpp"

#include <cmath>

#include "voxtrain/core/error.hpp"
#include "voxtrain/nn/functional.hpp"

namespace voxtrain {

StepResult train_step(Backend& backend, Network& network, const Loss& loss, Optimizer& optimizer,
                      double learning_rate, const Tensor& images, const Tensor& labels, const Tensor* weights,
                      const Tape::GradientReady& hook) {
  std::vector<Parameter*> parameters = network.parameters();
  for (Parameter* p : parameters) p->zero_grad();
  network.set_training(true);
  Tape tape(backend);
  if (hook) tape.on_gradient_ready(hook);
  const Var value = fn::loss(network.forward(tape.input(images)), loss, labels, weights);
  const double loss_value = value.value().data<float>()[0];
  Tensor seed = Tensor::empty({1});
  seed.fill(1.0);
  tape.backward(value, seed);
  optimizer.step(parameters, learning_rate);
  return {loss_value};
}

Tensor predict(Backend& backend, Network& network, const Tensor& images) {
  network.set_training(false);
  Tape tape(backend);
  tape.set_recording(false);
  Tensor logits = backend.to_plain(network.forward(tape.input(images)).value());
  network.set_training(true);
  return logits;
}

}  // namespace voxtrain

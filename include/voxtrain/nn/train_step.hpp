// train_step.hpp — one optimisation step of a network on a batch: forward, loss, backward,
// optimizer update. The engine's training loop and the benchmarks are built on it.
#pragma once

#include "voxtrain/nn/loss.hpp"
#include "voxtrain/nn/network.hpp"
#include "voxtrain/nn/optimizer.hpp"

namespace voxtrain {

struct StepResult {
  double loss = 0;
};

// Zeroes the gradients, runs the step and updates the weights. images: [N, C, D, H, W] float32;
// labels as the loss wants them; weights: optional weight map. hook (may be empty) is called for
// each parameter when its gradient is final.
StepResult train_step(Backend& backend, Network& network, const Loss& loss, Optimizer& optimizer,
                      double learning_rate, const Tensor& images, const Tensor& labels,
                      const Tensor* weights = nullptr, const Tape::GradientReady& hook = {});

// Forward only, in inference mode: logits [N, num_classes, D, H, W], plain.
Tensor predict(Backend& backend, Network& network, const Tensor& images);

}  // namespace voxtrain

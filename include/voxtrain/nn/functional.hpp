// functional.hpp — the backend's operations made differentiable: each runs the forward op and
// records on the input's tape how its gradient flows back. Layers and networks are built from these.
#pragma once

#include <cstdint>
#include <vector>

#include "voxtrain/backend/backend.hpp"
#include "voxtrain/nn/tape.hpp"

namespace voxtrain {
class Loss;
}

namespace voxtrain::fn {

// bias may be an unset Var (id -1) for no bias.
Var conv3d(Var x, Var weight, Var bias, const ConvSpec& spec, const std::string& layer);

// Training mode: normalises with the batch's (or sample's, or group's) statistics and returns them
// in *batch_stats if given; inference mode uses running (batch norm only). gamma/beta may be unset.
Var norm(Var x, Var gamma, Var beta, const NormSpec& spec, bool training, const NormSaved* running,
         NormSaved* batch_stats);

Var activation(Var x, const ActivationSpec& spec);
Var prelu(Var x, Var slope);
Var pool(Var x, const PoolSpec& spec);
Var resample(Var x, const Shape& to, ResampleKind kind);
Var concat_channels(const std::vector<Var>& xs);
// x followed by zero channels up to `channels` (a residual connection that widens).
Var pad_channels(Var x, std::int64_t channels);
Var add(Var a, Var b);
Var multiply(Var a, Var b);
Var dropout(Var x, float p, std::uint64_t seed);
Var softmax_channels(Var x, bool log);
// The same values in plain row-major layout (for losses and outputs).
Var to_plain(Var x);

// A segmentation loss of the logits as a [1] tensor; labels (and the optional weight map) are data.
Var loss(Var logits, const Loss& loss, const Tensor& labels, const Tensor* weights);

}  // namespace voxtrain::fn

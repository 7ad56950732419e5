// checkpoint_restore.hpp — puts checkpoint tensors into a network: all of them (resume, inference),
// those vars_to_restore matches (fine-tuning), restorable scopes from other files; and vars_to_freeze.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "voxtrain/io/checkpoint/checkpoint.hpp"
#include "voxtrain/nn/module.hpp"

namespace voxtrain {

// What a restore writes into: the network's parameters and buffers by full dotted name, in the
// network's order. The tensors are plain float32 (buffers: any dtype) host tensors.
struct NetworkTensors {
  std::vector<std::pair<std::string, Tensor*>> params;
  std::vector<std::pair<std::string, Tensor*>> buffers;
  std::string network;  // the registry's name ("unet"), compared with the checkpoint's; "" = unknown
};

NetworkTensors network_tensors(Module& module, std::string network = {});

// NiftyNet's RESTORABLE collection: the variables under `scope` come from another checkpoint.
struct RestorableScope {
  // A module path: "unet.enc" (the variables "unet.enc" and "unet.enc.<anything>"), also written
  // "unet/enc/" as in NiftyNet; "" is the whole network.
  std::string scope;
  std::string checkpoint_path;
  // The same variables sit under this prefix in that checkpoint ("" = under `scope` itself), so an
  // encoder trained as "old.encoder" can seed "unet.enc".
  std::string checkpoint_scope{};
};

struct RestoreOptions {
  // [TRAINING] vars_to_restore: a regular expression (ECMAScript, as Python's re for the common
  // syntax, look-ahead included) searched in each name (re.search: anywhere in it); "" = all.
  std::string vars_to_restore;
  std::vector<RestorableScope> scopes;
};

struct RestoreReport {
  struct Entry {
    std::string name;         // the network's
    std::string checkpoint;   // the file it came from
    std::string source_name;  // its name there (differs under a checkpoint_scope)
  };
  std::vector<Entry> restored;          // in network order, parameters first
  std::vector<std::string> initialised; // left with their initial values, in network order
  // For the log: "restored 40 of 42 tensors: 38 from A, 2 from B (scope 'unet.enc'); 2 keep their
  // initial values (unet.out.weight, unet.out.bias)".
  std::string summary() const;
};

// Restores `net` from `checkpoint` (read from checkpoint_path; null: none, as when training starts
// from scratch) and the scopes. Every tensor is checked before any is written: on an Error the
// network is unchanged.
//  - No vars_to_restore: every parameter and buffer must be in the checkpoint with the same shape
//    and dtype, and the checkpoint must hold no others; otherwise one Error lists the first
//    differences ("checkpoint X was written by a different network: missing a [..], shape differs
//    for b: checkpoint [..], network [..], ... (and N more)").
//  - vars_to_restore: only the names it matches are restored (each must be in the checkpoint with
//    the same shape); an invalid expression, or one matching nothing, is an Error.
//  - Scopes, for what the checkpoint did not restore: a variable comes from the outermost scope
//    containing it whose checkpoint has it (NiftyNet: "restored from a checkpoint if it exists in
//    the specified checkpoint and no scope ancestor can restore it"); of two equal scopes, the first.
//    Present with another shape or dtype is an Error.
// Everything else keeps its initial value (RestoreReport::initialised).
RestoreReport restore_network(const NetworkTensors& net, const CheckpointData* checkpoint,
                              const std::string& checkpoint_path, const RestoreOptions& options);
// The same, reading checkpoint_path ("" = no checkpoint).
RestoreReport restore_network(const NetworkTensors& net, const std::string& checkpoint_path,
                              const RestoreOptions& options);

// NiftyNet's segmentation application: vars_to_freeze, or vars_to_restore when vars_to_freeze is
// empty (restored weights stay fixed unless told otherwise).
std::string effective_vars_to_freeze(const std::string& vars_to_freeze, const std::string& vars_to_restore);
// The names (of trainable parameters) the expression matches (re.search), in the given order; ""
// freezes nothing. An invalid expression is an Error naming vars_to_freeze.
std::vector<std::string> frozen_parameters(std::span<const std::string> names, const std::string& vars_to_freeze);

}  // namespace voxtrain

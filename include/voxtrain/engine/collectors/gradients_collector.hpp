// gradients_collector.hpp — NiftyNet's GradientsCollector (one set of gradients per device, averaged)
// and the training step's reduction stage over ranks (bucketed, started as gradients become ready).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"
#include "voxtrain/nn/gradient_reduction.hpp"

namespace voxtrain {

class Communicator;

// One device's gradients in the three forms NiftyNet's applications hand over: one optimiser's
// list, a list of such lists (several losses), and optimiser name -> list (several optimisers).
using GradientList = std::vector<Tensor>;
using DeviceGradients =
    std::variant<GradientList, std::vector<GradientList>, std::map<std::string, GradientList>>;

class GradientsCollector final : public GradientReduction {
 public:
  static constexpr std::size_t kDefaultBucketBytes = std::size_t{25} << 20;  // as PyTorch DDP

  // Devices in one process (NiftyNet's towers); its reduction stage then runs on one rank.
  explicit GradientsCollector(int n_devices = 1);
  // Devices are the communicator's ranks (one device each): the reduction stage averages over them.
  explicit GradientsCollector(Communicator& comm, std::size_t bucket_bytes = kDefaultBucketBytes);
  ~GradientsCollector() override;

  // ---- NiftyNet's GradientsCollector -----------------------------------------------------------
  int n_devices() const { return n_devices_; }
  // add_to_collection: once per device; one more is an Error, as is a structure (form, lengths,
  // names, shapes) that differs from the first device's. Keeps the tensors (no copy).
  void add(DeviceGradients gradients);
  std::size_t devices_added() const { return added_.size(); }
  // The element-wise mean over the devices added, in the structure of one device's gradients
  // (one device: its gradients as given). An undefined tensor is skipped in the mean (NiftyNet skips
  // None gradients); undefined on every device stays undefined. Float32 host tensors; sums in double.
  // Nothing added: an Error.
  DeviceGradients gradients() const;

  // ---- GradientReduction: the training step's averaging over ranks -----------------------------
  // Plans buckets of about bucket_bytes over the parameters in reverse order (backward makes the
  // last layers' gradients first), the same on every rank; reuses the plan while the list is
  // unchanged.
  void begin_step(std::span<Parameter* const> parameters) override;
  // Copies the gradient into its bucket; when the bucket is full, starts its sum over ranks and
  // any full buckets after it, in bucket order (every rank issues them in the same order). Returns
  // at once. One rank: nothing to copy or send.
  void gradient_ready(Parameter& parameter) override;
  // Starts what is left, waits for every bucket and writes sum / size into each Parameter::grad().
  // InternalError when a planned parameter was never handed off.
  void wait_all() override;

  std::size_t bucket_count() const { return buckets_.size(); }
  // The parameters of bucket b, in the order they sit in it.
  std::vector<const Parameter*> bucket_parameters(std::size_t b) const;

 private:
  struct Slot {
    Parameter* parameter;
    std::size_t offset;  // into the bucket's buffer, in floats
    std::size_t count;
  };
  struct Bucket {
    std::vector<Slot> slots;
    std::vector<float> buffer;
    std::size_t ready = 0;     // slots handed off this step
    bool started = false;
    std::uint64_t handle = 0;
  };
  void start_ready_buckets();

  int n_devices_ = 1;
  std::vector<DeviceGradients> added_;

  std::unique_ptr<Communicator> own_comm_;
  Communicator* comm_ = nullptr;
  std::size_t bucket_bytes_ = kDefaultBucketBytes;
  std::vector<Parameter*> planned_;  // the begin_step list the buckets were planned for
  std::vector<std::int64_t> planned_sizes_;
  std::vector<Bucket> buckets_;
  std::unordered_map<const Parameter*, std::pair<std::size_t, std::size_t>> where_;  // -> bucket, slot
  std::vector<bool> handed_off_;  // per planned parameter, this step
  std::unordered_map<const Parameter*, std::size_t> position_;  // -> index in planned_
  std::size_t next_to_start_ = 0;
  bool in_step_ = false;
};

}  // namespace voxtrain

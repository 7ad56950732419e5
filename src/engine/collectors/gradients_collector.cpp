// gradients_collector.cpp — averaging of per-device gradient structures (NiftyNet's
// average_multi_opt_gradients) and the bucketed, asynchronous sum of parameter gradients over ranks.
#include "voxtrain/engine/collectors/gradients_collector.hpp"

#include <algorithm>
#include <cstring>

#include "average_tensors.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {

namespace {

std::string_view form_name(const DeviceGradients& g) {
  switch (g.index()) {
    case 0: return "a list of gradients";
    case 1: return "a list of gradient lists";
    default: return "a map of gradient lists";
  }
}

void check_tensor(const Tensor& t, int device, std::string_view where) {
  if (t.defined() && (t.dtype() != DType::Float32 || !t.device().is_cpu() || !t.is_plain()))
    throw error("gradients collector: device {}'s gradient {} is {} {}: gradients must be plain float32 host "
                "tensors", device, where, dtype_name(t.dtype()), t.device().is_cpu() ? "on the host" : "on a device");
}

void check_list(const GradientList& list, const GradientList* first, int device, const std::string& where) {
  if (first != nullptr && list.size() != first->size())
    throw error("gradients collector: device {} gives {} gradients{} where device 0 gave {}: every device adds "
                "gradients of the same structure", device, list.size(), where, first->size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = fmt::format("#{}{}", i, where);
    check_tensor(list[i], device, at);
    if (first == nullptr || !list[i].defined()) continue;
    const Tensor& other = (*first)[i];
    if (other.defined() && !(other.shape() == list[i].shape()))
      throw error("gradients collector: device {}'s gradient {} has shape {} where device 0's has {}: every "
                  "device adds gradients of the same structure", device, at, list[i].shape().to_string(),
                  other.shape().to_string());
  }
}

// Checks one device's gradients (against the first device's, when given).
void check_structure(const DeviceGradients& g, const DeviceGradients* first, int device) {
  if (first != nullptr && first->index() != g.index())
    throw error("gradients collector: device {} adds {} where device 0 added {}: every device adds gradients of "
                "the same structure", device, form_name(g), form_name(*first));
  if (const auto* list = std::get_if<GradientList>(&g)) {
    check_list(*list, first ? &std::get<GradientList>(*first) : nullptr, device, "");
  } else if (const auto* lists = std::get_if<std::vector<GradientList>>(&g)) {
    const auto* firsts = first ? &std::get<std::vector<GradientList>>(*first) : nullptr;
    if (firsts != nullptr && firsts->size() != lists->size())
      throw error("gradients collector: device {} gives {} gradient lists where device 0 gave {}: every device "
                  "adds gradients of the same structure", device, lists->size(), firsts->size());
    for (std::size_t l = 0; l < lists->size(); ++l)
      check_list((*lists)[l], firsts ? &(*firsts)[l] : nullptr, device, fmt::format(" of list {}", l));
  } else {
    const auto& map = std::get<std::map<std::string, GradientList>>(g);
    const auto* firsts = first ? &std::get<std::map<std::string, GradientList>>(*first) : nullptr;
    for (const auto& [name, optimiser_list] : map) {
      const GradientList* other = nullptr;
      if (firsts != nullptr) {
        const auto it = firsts->find(name);
        if (it == firsts->end())
          throw error("gradients collector: device {} adds gradients for optimiser '{}', which device 0 did not: "
                      "every device adds gradients of the same structure", device, name);
        other = &it->second;
      }
      check_list(optimiser_list, other, device, fmt::format(" of optimiser '{}'", name));
    }
    if (firsts != nullptr && firsts->size() != map.size())
      throw error("gradients collector: device {} adds gradients for {} optimisers where device 0 added {}: every "
                  "device adds gradients of the same structure", device, map.size(), firsts->size());
  }
}

// Position i of every device's list, averaged over the devices where it is defined.
GradientList average_lists(const std::vector<const GradientList*>& lists) {
  GradientList out(lists.front()->size());
  std::vector<Tensor> defined;
  for (std::size_t i = 0; i < out.size(); ++i) {
    defined.clear();
    for (const GradientList* l : lists)
      if ((*l)[i].defined()) defined.push_back((*l)[i]);
    if (!defined.empty()) out[i] = average_tensors(defined);
  }
  return out;
}

}  // namespace

GradientsCollector::GradientsCollector(int n_devices)
    : n_devices_(n_devices), own_comm_(std::make_unique<SingleProcessCommunicator>()), comm_(own_comm_.get()) {
  if (n_devices < 1) throw InternalError(fmt::format("gradients collector: {} devices; at least 1", n_devices));
}

GradientsCollector::GradientsCollector(Communicator& comm, std::size_t bucket_bytes)
    : n_devices_(1), comm_(&comm), bucket_bytes_(std::max<std::size_t>(bucket_bytes, sizeof(float))) {}

GradientsCollector::~GradientsCollector() = default;

// ---- NiftyNet's GradientsCollector ----------------------------------------------------------------

void GradientsCollector::add(DeviceGradients gradients) {
  const int device = static_cast<int>(added_.size());
  if (device >= n_devices_)
    throw error("gradients collector: gradients added {} times with {} device(s): add them once per device",
                device + 1, n_devices_);
  check_structure(gradients, added_.empty() ? nullptr : &added_.front(), device);
  added_.push_back(std::move(gradients));
}

DeviceGradients GradientsCollector::gradients() const {
  if (added_.empty())
    throw error("gradients collector: no gradients were added: the application adds its gradients once per device");
  if (added_.size() == 1) return added_.front();
  const DeviceGradients& first = added_.front();
  if (std::holds_alternative<GradientList>(first)) {
    std::vector<const GradientList*> lists;
    for (const auto& g : added_) lists.push_back(&std::get<GradientList>(g));
    return average_lists(lists);
  }
  if (const auto* firsts = std::get_if<std::vector<GradientList>>(&first)) {
    std::vector<GradientList> out;
    for (std::size_t l = 0; l < firsts->size(); ++l) {
      std::vector<const GradientList*> lists;
      for (const auto& g : added_) lists.push_back(&std::get<std::vector<GradientList>>(g)[l]);
      out.push_back(average_lists(lists));
    }
    return out;
  }
  std::map<std::string, GradientList> out;
  for (const auto& [name, list] : std::get<std::map<std::string, GradientList>>(first)) {
    std::vector<const GradientList*> lists;
    for (const auto& g : added_) lists.push_back(&std::get<std::map<std::string, GradientList>>(g).at(name));
    out.emplace(name, average_lists(lists));
  }
  return out;
}

// ---- the reduction stage over ranks ---------------------------------------------------------------

void GradientsCollector::begin_step(std::span<Parameter* const> parameters) {
  // A step abandoned mid-way (an exception in backward) may have sums in flight: finish them before
  // their buffers are reused. Their results are dropped.
  for (Bucket& b : buckets_)
    if (b.started) {
      b.started = false;
      comm_->wait(b.handle);
    }
  bool same = parameters.size() == planned_.size();
  for (std::size_t i = 0; same && i < parameters.size(); ++i)
    same = parameters[i] == planned_[i] && parameters[i]->numel() == planned_sizes_[i];
  if (!same) {
    planned_.assign(parameters.begin(), parameters.end());
    planned_sizes_.clear();
    buckets_.clear();
    where_.clear();
    position_.clear();
    const bool pack = comm_->size() > 1;
    std::size_t bytes = 0;
    for (std::size_t k = parameters.size(); k-- > 0;) {  // backward hands the last layers off first
      Parameter* p = parameters[k];
      VOX_ASSERT(p != nullptr);
      if (!position_.emplace(p, k).second)
        throw InternalError(fmt::format("gradient reduction: parameter '{}' listed twice in one step", p->name()));
      if (buckets_.empty() || bytes >= bucket_bytes_) {
        buckets_.emplace_back();
        bytes = 0;
      }
      Bucket& b = buckets_.back();
      const auto count = static_cast<std::size_t>(p->numel());
      const std::size_t offset = b.slots.empty() ? 0 : b.slots.back().offset + b.slots.back().count;
      b.slots.push_back({p, offset, count});
      where_.emplace(p, std::make_pair(buckets_.size() - 1, b.slots.size() - 1));
      bytes += count * sizeof(float);
    }
    for (Parameter* p : parameters) planned_sizes_.push_back(p->numel());
    if (pack)
      for (Bucket& b : buckets_) b.buffer.resize(b.slots.empty() ? 0 : b.slots.back().offset + b.slots.back().count);
  }
  for (Bucket& b : buckets_) b.ready = 0;
  handed_off_.assign(planned_.size(), false);
  next_to_start_ = 0;
  in_step_ = true;
}

void GradientsCollector::gradient_ready(Parameter& parameter) {
  const auto it = position_.find(&parameter);
  if (!in_step_ || it == position_.end())
    throw InternalError(fmt::format("gradient of '{}' handed off but not expected this step", parameter.name()));
  if (handed_off_[it->second])
    throw InternalError(fmt::format("gradient of '{}' handed off twice in one step", parameter.name()));
  handed_off_[it->second] = true;
  const auto [bucket, slot] = where_.at(&parameter);
  Bucket& b = buckets_[bucket];
  ++b.ready;
  if (comm_->size() == 1) return;  // the average over one rank is the gradient itself

  const Slot& s = b.slots[slot];
  const Tensor& grad = parameter.grad();
  if (static_cast<std::size_t>(grad.numel()) != s.count)
    throw InternalError(fmt::format("gradient of '{}' has {} elements, its parameter {}", parameter.name(),
                                    grad.numel(), s.count));
  std::memcpy(b.buffer.data() + s.offset, grad.data<float>(), s.count * sizeof(float));
  if (b.ready == b.slots.size()) start_ready_buckets();
}

void GradientsCollector::start_ready_buckets() {
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].ready == buckets_[next_to_start_].slots.size()) {
    Bucket& b = buckets_[next_to_start_++];
    b.handle = comm_->all_reduce_sum_start(b.buffer);
    b.started = true;
  }
}

void GradientsCollector::wait_all() {
  if (!in_step_) throw InternalError("gradient reduction: wait_all() without begin_step()");
  std::size_t arrived = static_cast<std::size_t>(std::count(handed_off_.begin(), handed_off_.end(), true));
  if (arrived != planned_.size())
    for (std::size_t i = 0; i < planned_.size(); ++i)
      if (!handed_off_[i])
        throw InternalError(fmt::format("gradient of '{}' never became ready ({} of {} arrived)", planned_[i]->name(),
                                        arrived, planned_.size()));
  in_step_ = false;
  if (comm_->size() == 1) return;
  start_ready_buckets();
  const auto ranks = static_cast<float>(comm_->size());
  for (Bucket& b : buckets_) {
    b.started = false;
    comm_->wait(b.handle);
    for (const Slot& s : b.slots) {
      float* grad = s.parameter->grad().data<float>();
      const float* sum = b.buffer.data() + s.offset;
      for (std::size_t i = 0; i < s.count; ++i) grad[i] = sum[i] / ranks;
    }
  }
}

std::vector<const Parameter*> GradientsCollector::bucket_parameters(std::size_t b) const {
  std::vector<const Parameter*> out;
  for (const Slot& s : buckets_.at(b).slots) out.push_back(s.parameter);
  return out;
}

}  // namespace voxtrain

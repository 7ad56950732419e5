// outputs_collector.hpp — NiftyNet's OutputsCollector: the values an iteration reports, by collection
// (console, TensorBoard summaries, network outputs), named per device and averaged over devices.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/core/tensor/tensor.hpp"

namespace voxtrain {

class Communicator;

// NiftyNet's collection keys 'niftynetconsole', TF_SUMMARIES and 'niftynetout'.
enum class Collection {
  Console,       // printed on the iteration's console line (scalars)
  Summary,       // written to TensorBoard every tensorboard_every_n iterations
  NetworkOutput  // handed to the application's interpret_output (windows for the aggregator)
};
// NiftyNet's SUPPORTED_SUMMARY subset: a scalar, a histogram of the values, a 3-D image.
enum class SummaryType { Scalar, Histogram, Image3d };

std::string_view collection_name(Collection collection);    // "console", "summary", "network_output"
std::string_view summary_type_name(SummaryType type);       // "scalar", "histogram", "image3d"

struct CollectedVariable {
  std::string name;
  Tensor value;
  bool average_over_devices = false;
  SummaryType summary_type = SummaryType::Scalar;
};

// One iteration's values. The collector keeps the tensors it is given (shared storage, no copy):
// the application must not overwrite a value's buffer before the handlers have read it.
// CONSOLE and SUMMARY values are float32 host tensors (a scalar is shape [1]); NETWORK_OUTPUT
// values may have any dtype unless averaged.
//
// Per iteration: clear_values(), add() per device, then finalise() (one process) or reduce()
// (every rank), then read values(). Names and their renamings are kept across clear_values(), so
// the steady state allocates nothing but the averages.
class OutputsCollector {
 public:
  explicit OutputsCollector(int n_devices = 1);

  int n_devices() const { return n_devices_; }

  // NiftyNet's add_to_collection. A name added k times (once per device/tower) becomes name,
  // name_1, ..., name_{k-1} (the first free suffix, as NiftyNet renames) unless
  // average_over_devices, in which case the k values are kept in one list under name, to be
  // averaged by finalise(). Errors: an empty name or an undefined tensor; an averaged name added
  // more than n_devices times (NiftyNet with one device renames instead: here it is an error, as
  // it is with several); an averaged name already taken by a value that is not averaged; averaged
  // values whose shapes differ; a CONSOLE or SUMMARY value that is not float32 on the host.
  void add(std::string_view name, Tensor value, bool average_over_devices = false,
           Collection collection = Collection::Console, SummaryType summary_type = SummaryType::Scalar);

  // Per name, its values: before finalise() an averaged name lists one value per add; after, every
  // name has one value.
  std::map<std::string, std::vector<Tensor>> variables(Collection collection) const;
  // NiftyNet's finalise_output_op: each averaged list becomes its element-wise mean (accumulated in
  // double, rounded once to float32; NiftyNet's tf.reduce_mean of the list would also average
  // over the elements, giving a scalar for a non-scalar value). Idempotent.
  void finalise();
  bool finalised() const { return finalised_; }
  // After finalise() (or reduce()): one value per name. Before: an InternalError.
  std::map<std::string, Tensor> values(Collection collection) const;
  // The same, in the order the names were first added (the console line's order).
  std::vector<CollectedVariable> collected(Collection collection) const;
  // The summary type a name was added with (renamed names included); an unknown name is an Error.
  SummaryType summary_type(Collection collection, std::string_view name) const;

  // Drops the values and keeps the names (per-iteration reuse); add() may be called again.
  void clear_values();

  // Devices are ranks: each rank added its own values (usually n_devices = 1 locally); reduce
  // gathers CONSOLE and SUMMARY on rank 0, which then holds exactly what one process would hold
  // after size() x n_devices towers had added them in rank order and finalise() had run: averaged
  // names become the mean over ranks, the others appear as name (rank 0), name_1 (rank 1), ...
  // Collective: every rank calls it, having added the same names in the same order with the same
  // shapes (otherwise every rank throws Error). Other ranks keep their own values, finalised.
  // NETWORK_OUTPUT is not reduced: each rank aggregates its own windows. On one rank this is
  // finalise() and nothing is sent.
  void reduce(Communicator& comm);

 private:
  struct Entry {
    std::string name;
    std::vector<Tensor> values;  // one per add; empty: not added this iteration
    Tensor result;               // after finalise: the value, or the average of values
    bool average = false;
    SummaryType summary_type = SummaryType::Scalar;
  };
  struct Table {
    std::vector<Entry> entries;          // in the order names were first added
    std::map<std::string, std::size_t, std::less<>> index;  // name -> entry
  };
  // One add() as it was called, so reduce() can replay every rank's adds in rank order.
  struct AddRecord {
    Collection collection;
    std::size_t base;   // the entry named as add() was called (before any renaming)
    std::size_t entry;  // the entry the value went to (its values hold the tensor) ...
    std::size_t slot;   // ... at this position
  };

  Table& table(Collection c) { return tables_[static_cast<std::size_t>(c)]; }
  const Table& table(Collection c) const { return tables_[static_cast<std::size_t>(c)]; }
  // The entry of that name, created (with no values) when there is none.
  std::size_t entry_index(Table& t, std::string_view name);
  const Entry* live_entry(const Table& t, std::string_view name) const;  // null unless added this iteration
  void require_finalised(std::string_view what) const;
  // The CONSOLE and SUMMARY adds' names, flags and shapes hashed, and their number of values.
  std::vector<double> reduce_header() const;

  int n_devices_;
  bool finalised_ = false;
  bool reduced_ = false;
  Table tables_[3];
  std::vector<AddRecord> adds_;  // this iteration's adds, in order
};

}  // namespace voxtrain

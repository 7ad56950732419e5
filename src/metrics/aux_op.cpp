// aux_op.cpp — the AuxOp base: its name for messages and the MetricValue it reports.
#include "voxtrain/metrics/aux_op.hpp"

#include <fmt/format.h>

namespace voxtrain {

AuxOp::AuxOp(std::string type, std::string_view output_name, AuxFlags flags)
    : type_(std::move(type)), where_(fmt::format("{} '{}'", type_, output_name)), flags_(flags) {}

MetricValue AuxOp::metric(std::string name, double value, double weight) const {
  return MetricValue{.name = std::move(name),
                     .value = value,
                     .weight = weight,
                     .do_summary = flags_.do_summary,
                     .do_print = flags_.do_print};
}

}  // namespace voxtrain

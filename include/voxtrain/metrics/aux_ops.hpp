// aux_ops.hpp — every aux op, and make_aux_op: builds one from Clara's class name and its
// parameters as strings (as a JSON or INI config gives them).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/metrics/accuracy_ops.hpp"
#include "voxtrain/metrics/aux_op.hpp"
#include "voxtrain/metrics/dice_ops.hpp"
#include "voxtrain/metrics/reduce_ops.hpp"

namespace voxtrain {

using AuxOpParameters = std::map<std::string, std::string>;

// name: "ComputeDice", ... (a dotted path such as "ai4med.components.aux_ops.ComputeDice" is
// cut to its last part). Values: booleans true/false/1/0/yes/no; "None", "null" or "" leave an
// optional parameter unset; lists ("tags", "label_format") as "a, b" or '["a", "b"]'. Throws Error
// naming `where` (e.g. "config.json: aux_ops[2]") for an unknown op or parameter (with the closest
// valid name), a missing required parameter, or a value that does not parse.
std::unique_ptr<AuxOp> make_aux_op(std::string_view name, const AuxOpParameters& parameters,
                                   std::string_view where = "aux op");

std::vector<std::string> aux_op_names();  // Clara's names, in a fixed order

// The parameters an op accepts, do_summary and do_print included (empty for an unknown name).
std::vector<std::string> aux_op_parameter_names(std::string_view name);

}  // namespace voxtrain

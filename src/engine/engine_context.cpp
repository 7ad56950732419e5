// engine_context.cpp — action names.
#include "voxtrain/engine/engine_context.hpp"

namespace voxtrain {

std::string_view action_name(Action action) { return action == Action::Train ? "train" : "infer"; }

}  // namespace voxtrain

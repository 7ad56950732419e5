// handler.cpp — a handler's connections are dropped when it is disconnected or destroyed.
#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

Handler::~Handler() { disconnect(); }

void Handler::disconnect() {
  for (auto& drop : disconnectors_) drop();
  disconnectors_.clear();
}

}  // namespace voxtrain

// signal.hpp — a signal handlers connect to (NiftyNet's blinker signals): emit calls every
// connected slot in connection order; a connection can be dropped by its id.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace voxtrain {

using ConnectionId = std::uint64_t;

template <class... Args>
class Signal {
 public:
  using Slot = std::function<void(Args...)>;

  ConnectionId connect(Slot slot) {
    slots_.push_back({++last_id_, std::move(slot)});
    return last_id_;
  }
  // True when the connection existed.
  bool disconnect(ConnectionId id) {
    for (auto it = slots_.begin(); it != slots_.end(); ++it)
      if (it->first == id) {
        slots_.erase(it);
        return true;
      }
    return false;
  }
  // Calls the slots connected when emit starts, in connection order (a slot may connect or
  // disconnect others; that takes effect at the next emit).
  void emit(Args... args) const {
    const auto slots = slots_;
    for (const auto& [id, slot] : slots) slot(args...);
  }
  std::size_t connections() const { return slots_.size(); }

 private:
  std::vector<std::pair<ConnectionId, Slot>> slots_;
  ConnectionId last_id_ = 0;
};

}  // namespace voxtrain

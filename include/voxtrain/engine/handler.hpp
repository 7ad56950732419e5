// handler.hpp — an event handler (NiftyNet's event_handler): a stateful object that connects its
// methods to the driver's signals and can be disconnected again.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "voxtrain/engine/engine_signals.hpp"

namespace voxtrain {

class Handler {
 public:
  virtual ~Handler();
  Handler() = default;
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  // Connects this handler's slots to the signals (through listen(), so disconnect() finds them).
  virtual void connect(EngineSignals& signals) = 0;
  // Drops every connection made with listen(); safe to call twice.
  void disconnect();
  std::size_t connections() const { return disconnectors_.size(); }

 protected:
  template <class... Args, class F>
  void listen(Signal<Args...>& signal, F&& slot) {
    const ConnectionId id = signal.connect(std::forward<F>(slot));
    disconnectors_.push_back([&signal, id] { signal.disconnect(id); });
  }

 private:
  std::vector<std::function<void()>> disconnectors_;
};

}  // namespace voxtrain

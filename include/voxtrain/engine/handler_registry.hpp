// handler_registry.hpp — event handlers by name ([SYSTEM] event_handler): the built-in ones, and
// user handlers loaded from a shared library ("/path/libmine.so:MyHandler").
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/engine/engine_context.hpp"
#include "voxtrain/engine/handler.hpp"

namespace voxtrain {

using HandlerFactory = std::function<std::unique_ptr<Handler>(EngineContext& context)>;

// Adds a handler name (a plugin does it from a static initialiser, see
// VOXTRAIN_REGISTER_HANDLER). A name registered twice keeps the first factory and returns false.
bool register_handler(const std::string& name, HandlerFactory factory);
std::vector<std::string> handler_names();
bool has_handler(std::string_view name);

// Builds a handler from one item of [SYSTEM] event_handler: a registered name, or
// "path/to/lib.so:ClassName" — the library is loaded once (dlopen), and must register ClassName.
// Unknown names, libraries that do not load and libraries without that class throw one Error.
std::unique_ptr<Handler> make_handler(std::string_view spec, EngineContext& context);

// Loads a plugin library (idempotent); a library that fails to load throws Error with dlerror's
// reason. The library stays loaded for the life of the process.
void load_handler_plugin(const std::string& path);

// Registers the built-in handlers (engine/handlers/builtin_handlers.cpp); the registry calls it
// once, before the first lookup.
void register_builtin_handlers();

// NiftyNet's default [SYSTEM] event_handler list.
std::vector<std::string> default_event_handlers();

}  // namespace voxtrain

// In a plugin's .cpp: VOXTRAIN_REGISTER_HANDLER(MyHandler) registers class MyHandler, built with
// an EngineContext&, under its own name.
#define VOXTRAIN_REGISTER_HANDLER(ClassName)                                                        \
  static const bool voxtrain_registered_##ClassName = ::voxtrain::register_handler(                \
      #ClassName, [](::voxtrain::EngineContext& context) -> std::unique_ptr<::voxtrain::Handler> { \
        return std::make_unique<ClassName>(context);                                               \
      })

// handler_registry.cpp — the handler registry and the plugin loader (dlopen; the voxtrain
// executable exports its symbols so a plugin's register_handler call reaches this registry).
#include "voxtrain/engine/handler_registry.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {

namespace {

struct Registry {
  std::recursive_mutex mutex;
  std::map<std::string, HandlerFactory> factories;
  std::set<std::string> loaded_plugins;
};

Registry& registry() {
  static Registry r;
  return r;
}

void ensure_builtins() {
  static std::once_flag once;
  std::call_once(once, register_builtin_handlers);
}

HandlerFactory find_factory(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const auto it = r.factories.find(std::string(name));
  return it == r.factories.end() ? HandlerFactory{} : it->second;
}

}  // namespace

bool register_handler(const std::string& name, HandlerFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.factories.emplace(name, std::move(factory)).second;
}

std::vector<std::string> handler_names() {
  ensure_builtins();
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

bool has_handler(std::string_view name) {
  ensure_builtins();
  return static_cast<bool>(find_factory(name));
}

std::vector<std::string> default_event_handlers() {
  return {"model_saver",        "model_restorer",  "sampler_threading",  "apply_gradients",
          "output_interpreter", "console_logger", "tensorboard_logger", "performance_logger"};
}

void load_handler_plugin(const std::string& path) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const std::string key = std::filesystem::absolute(path).lexically_normal().string();
  if (r.loaded_plugins.count(key)) return;
  if (!std::filesystem::exists(path))
    throw error("event_handler plugin '{}' does not exist: give the path of a shared library built against "
                "voxtrain's headers (docs/ENGINE.md, 'Plugins')",
                path);
  dlerror();
  if (dlopen(key.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char* why = dlerror();
    throw error("event_handler plugin '{}' could not be loaded: {}; build it as a shared library against this "
                "voxtrain's headers (docs/ENGINE.md, 'Plugins')",
                path, why ? why : "unknown reason");
  }
  r.loaded_plugins.insert(key);
}

std::unique_ptr<Handler> make_handler(std::string_view spec, EngineContext& context) {
  ensure_builtins();
  const std::size_t colon = spec.rfind(':');
  if (colon == std::string_view::npos) {
    const HandlerFactory factory = find_factory(spec);
    if (!factory) {
      const auto names = handler_names();
      throw error("unknown event_handler '{}'{}; built-in handlers: {}; a plugin is given as "
                  "/path/libname.so:ClassName",
                  spec, did_you_mean(spec, names), join(names, ", "));
    }
    return factory(context);
  }
  const std::string path(spec.substr(0, colon));
  const std::string class_name(spec.substr(colon + 1));
  if (path.empty() || class_name.empty())
    throw error("event_handler '{}' is not 'name' or '/path/libname.so:ClassName'", spec);
  load_handler_plugin(path);
  const HandlerFactory factory = find_factory(class_name);
  if (!factory)
    throw error("event_handler plugin '{}' was loaded but registers no handler '{}': register it in the plugin "
                "with VOXTRAIN_REGISTER_HANDLER({})",
                path, class_name, class_name);
  return factory(context);
}

}  // namespace voxtrain

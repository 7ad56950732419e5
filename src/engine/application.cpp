// application.cpp — the registry of applications by name.
#include "voxtrain/engine/application.hpp"

#include <map>
#include <mutex>

#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, ApplicationFactory> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_application(const std::string& name, ApplicationFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[upper(name)] = std::move(factory);
}

std::vector<std::string> application_names() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

std::unique_ptr<Application> make_application(std::string_view name) {
  ApplicationFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    const auto it = r.factories.find(upper(name));
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    const auto names = application_names();
    throw error("unknown application '{}': the config needs one of the sections {}", name, join(names, ", "));
  }
  return factory();
}

}  // namespace voxtrain

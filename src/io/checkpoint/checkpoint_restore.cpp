// checkpoint_restore.cpp — a restore plan (which tensor comes from which file), checked whole before
// any tensor is written: the full restore, vars_to_restore, restorable scopes; and freezing.
#include "voxtrain/io/checkpoint/checkpoint_restore.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"

namespace voxtrain {
namespace {

// At most this many differences are spelled out in one message.
constexpr std::size_t kDifferencesShown = 6;

struct Target {
  const std::string& name;
  Tensor* tensor;
  bool is_param;
};

struct Step {
  std::size_t target;  // index into the targets
  const Tensor* source;
  std::string checkpoint;
  std::string source_name;
};

std::vector<Target> targets_of(const NetworkTensors& net) {
  std::vector<Target> targets;
  for (const auto& [name, tensor] : net.params) targets.push_back({name, tensor, true});
  for (const auto& [name, tensor] : net.buffers) targets.push_back({name, tensor, false});
  return targets;
}

const NamedTensors& section_of(const CheckpointData& c, bool is_param) { return is_param ? c.params : c.buffers; }

std::string name_text(const std::string& name) { return escape_for_display(name); }

// "" when the checkpoint's tensor fits the target, else the difference ("shape differs for ...").
std::string mismatch(const std::string& name, const Tensor& source, const Tensor& target, const std::string& detail = {}) {
  if (!(source.shape() == target.shape()))
    return fmt::format("shape differs for {}: checkpoint {}{}, network {}", name_text(name), source.shape().to_string(),
                       detail, target.shape().to_string());
  if (source.dtype() != target.dtype())
    return fmt::format("dtype differs for {}: checkpoint {}{}, network {}", name_text(name), dtype_name(source.dtype()),
                       detail, dtype_name(target.dtype()));
  return {};
}

std::string differences_text(const std::vector<std::string>& differences) {
  std::vector<std::string> shown(differences.begin(),
                                 differences.begin() + static_cast<std::ptrdiff_t>(std::min(differences.size(), kDifferencesShown)));
  std::string text = join(shown);
  if (differences.size() > kDifferencesShown) text += fmt::format(", ... (and {} more)", differences.size() - kDifferencesShown);
  return text;
}

std::regex compile(const std::string& key, const std::string& expression) {
  try {
    return std::regex(expression, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw error("{} = '{}' is not a valid regular expression ({}); write an ECMAScript (JavaScript, Python-like) "
                "expression such as ^unet\\.enc",
                key, escape_for_display(expression), e.what());
  }
}

bool matches(const std::regex& expression, const std::string& name) { return std::regex_search(name, expression); }

// "unet/enc/" -> "unet.enc": NiftyNet's scope spelling to a dotted module path.
std::string normalise_scope(std::string scope) {
  std::replace(scope.begin(), scope.end(), '/', '.');
  while (!scope.empty() && scope.back() == '.') scope.pop_back();
  return scope;
}

bool in_scope(const std::string& name, const std::string& scope) {
  return scope.empty() || name == scope ||
         (name.size() > scope.size() && name.compare(0, scope.size(), scope) == 0 && name[scope.size()] == '.');
}

std::size_t scope_depth(const std::string& scope) {
  return scope.empty() ? 0 : 1 + static_cast<std::size_t>(std::count(scope.begin(), scope.end(), '.'));
}

// A step restoring target i from `checkpoint` under its own name, or a line for `differences`
// when the checkpoint lacks it or holds it with another shape or dtype.
void plan_target(std::size_t i, const Target& t, const CheckpointData& checkpoint, const std::string& path,
                 std::vector<Step>& steps, std::vector<bool>& planned, std::vector<std::string>& differences) {
  const NamedTensors& section = section_of(checkpoint, t.is_param);
  const auto it = section.find(t.name);
  if (it == section.end()) {
    differences.push_back(fmt::format("missing {} {}", name_text(t.name), t.tensor->shape().to_string()));
    return;
  }
  if (std::string d = mismatch(t.name, it->second, *t.tensor); !d.empty()) {
    differences.push_back(std::move(d));
    return;
  }
  steps.push_back({i, &it->second, path, t.name});
  planned[i] = true;
}

// Steps for everything a plain restore takes from `checkpoint`, or the Error listing differences.
void plan_full(const std::vector<Target>& targets, const NetworkTensors& net, const CheckpointData& checkpoint,
               const std::string& path, std::vector<Step>& steps, std::vector<bool>& planned) {
  std::vector<std::string> differences;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    plan_target(i, t, checkpoint, path, steps, planned, differences);
  }
  for (const bool is_param : {true, false}) {
    for (const auto& [name, tensor] : section_of(checkpoint, is_param)) {
      const bool known = std::any_of(targets.begin(), targets.end(),
                                     [&](const Target& t) { return t.is_param == is_param && t.name == name; });
      if (!known) differences.push_back(fmt::format("not in the network: {} {}", name_text(name), tensor.shape().to_string()));
    }
  }
  if (differences.empty()) return;
  const std::string networks =
      !net.network.empty() && !checkpoint.network.empty() && net.network != checkpoint.network
          ? fmt::format(" ('{}'; this one is '{}')", escape_for_display(checkpoint.network), net.network)
          : std::string();
  throw error("checkpoint {} was written by a different network{}: {}; build the network with the [NETWORK] settings it "
              "was trained with, or restore part of it with vars_to_restore",
              path, networks, differences_text(differences));
}

void plan_matching(const std::vector<Target>& targets, const CheckpointData& checkpoint, const std::string& path,
                   const std::string& vars_to_restore, std::vector<Step>& steps, std::vector<bool>& planned) {
  const std::regex expression = compile("vars_to_restore", vars_to_restore);
  std::vector<std::string> differences;
  std::size_t matched = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    if (!matches(expression, t.name)) continue;
    ++matched;
    plan_target(i, t, checkpoint, path, steps, planned, differences);
  }
  if (matched == 0) {
    std::vector<std::string> examples;
    for (std::size_t i = 0; i < targets.size() && i < 3; ++i) examples.push_back(name_text(targets[i].name));
    throw error("vars_to_restore = '{}' matches none of the network's {} tensors (such as {}); names are dotted module "
                "paths such as unet.enc0.conv1.weight, not NiftyNet's scope/conv/w",
                escape_for_display(vars_to_restore), targets.size(), join(examples));
  }
  if (!differences.empty())
    throw error("checkpoint {} does not hold what vars_to_restore = '{}' selects: {}; narrow vars_to_restore or use a "
                "checkpoint of this network",
                path, escape_for_display(vars_to_restore), differences_text(differences));
}

void plan_scopes(const std::vector<Target>& targets, const RestoreOptions& options, const CheckpointData* main,
                 const std::string& main_path, std::vector<Step>& steps, std::vector<bool>& planned,
                 std::map<std::string, CheckpointData>& files) {
  struct Scope {
    std::string scope, checkpoint_scope, path;
  };
  std::vector<Scope> scopes;
  for (const RestorableScope& s : options.scopes) {
    if (s.checkpoint_path.empty())
      throw error("restorable scope '{}' names no checkpoint file; give the checkpoint its variables come from",
                  escape_for_display(s.scope));
    const std::string scope = normalise_scope(s.scope);
    scopes.push_back({scope, s.checkpoint_scope.empty() ? scope : normalise_scope(s.checkpoint_scope), s.checkpoint_path});
  }
  // Outermost first: the first scope that can restore a variable is its outermost ancestor.
  std::stable_sort(scopes.begin(), scopes.end(),
                   [](const Scope& a, const Scope& b) { return scope_depth(a.scope) < scope_depth(b.scope); });
  const auto data_of = [&](const std::string& path) -> const CheckpointData& {
    if (main != nullptr && path == main_path) return *main;
    auto it = files.find(path);
    if (it == files.end()) it = files.emplace(path, read_checkpoint(path)).first;
    return it->second;
  };
  std::vector<std::string> differences;
  for (const Scope& s : scopes) {
    const CheckpointData& data = data_of(s.path);
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const Target& t = targets[i];
      if (planned[i] || !in_scope(t.name, s.scope)) continue;
      std::string source_name = t.name.substr(s.scope.size());
      source_name = s.scope.empty() && !s.checkpoint_scope.empty() ? s.checkpoint_scope + "." + source_name
                                                                   : s.checkpoint_scope + source_name;
      const NamedTensors& section = section_of(data, t.is_param);
      const auto it = section.find(source_name);
      if (it == section.end()) continue;  // a scope restores what its checkpoint has
      const std::string detail = fmt::format(" ({} in {})", name_text(source_name), s.path);
      if (std::string d = mismatch(t.name, it->second, *t.tensor, detail); !d.empty()) {
        differences.push_back(std::move(d));
        continue;
      }
      steps.push_back({i, &it->second, s.path, source_name});
      planned[i] = true;
    }
  }
  if (!differences.empty())
    throw error("restorable scopes: a checkpoint holds a variable of another shape: {}; restore that scope from a "
                "checkpoint of a matching network",
                differences_text(differences));
}

}  // namespace

NetworkTensors network_tensors(Module& module, std::string network) {
  NetworkTensors net;
  for (Parameter* p : module.parameters()) net.params.emplace_back(p->name(), &p->value());
  net.buffers = module.buffers();
  net.network = std::move(network);
  return net;
}

std::string RestoreReport::summary() const {
  const std::size_t total = restored.size() + initialised.size();
  std::vector<std::string> sources;  // "38 from A", in the order first met
  std::vector<std::pair<std::string, std::size_t>> counts;
  for (const Entry& e : restored) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == e.checkpoint; });
    if (it == counts.end()) counts.emplace_back(e.checkpoint, 1);
    else ++it->second;
  }
  for (const auto& [file, n] : counts) sources.push_back(fmt::format("{} from {}", n, file));
  std::string text = fmt::format("restored {} of {} tensors", restored.size(), total);
  if (!sources.empty()) text += ": " + join(sources);
  if (!initialised.empty()) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < initialised.size() && i < kDifferencesShown; ++i) names.push_back(name_text(initialised[i]));
    text += fmt::format("; {} keep{} their initial values ({}{})", initialised.size(), initialised.size() == 1 ? "s" : "",
                        join(names), initialised.size() > kDifferencesShown ? ", ..." : "");
  }
  return text;
}

RestoreReport restore_network(const NetworkTensors& net, const CheckpointData* checkpoint,
                              const std::string& checkpoint_path, const RestoreOptions& options) {
  const std::vector<Target> targets = targets_of(net);
  for (const Target& t : targets)
    VOX_ASSERT_MSG(t.tensor != nullptr && t.tensor->defined() && t.tensor->is_plain() && t.tensor->device().is_cpu(),
                   "restore targets are plain host tensors");
  std::vector<Step> steps;
  std::vector<bool> planned(targets.size(), false);
  if (checkpoint != nullptr) {
    if (options.vars_to_restore.empty()) plan_full(targets, net, *checkpoint, checkpoint_path, steps, planned);
    else plan_matching(targets, *checkpoint, checkpoint_path, options.vars_to_restore, steps, planned);
  }
  std::map<std::string, CheckpointData> files;  // the scopes' checkpoints, read once each; alive until copied
  plan_scopes(targets, options, checkpoint, checkpoint_path, steps, planned, files);

  // Everything checked: now the copies.
  std::sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.target < b.target; });
  RestoreReport report;
  for (const Step& s : steps) {
    const Target& t = targets[s.target];
    std::memcpy(t.tensor->raw_data(), s.source->raw_data(), s.source->nbytes());
    report.restored.push_back({t.name, s.checkpoint, s.source_name});
  }
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (!planned[i]) report.initialised.push_back(targets[i].name);
  return report;
}

RestoreReport restore_network(const NetworkTensors& net, const std::string& checkpoint_path,
                              const RestoreOptions& options) {
  if (checkpoint_path.empty()) return restore_network(net, nullptr, checkpoint_path, options);
  const CheckpointData checkpoint = read_checkpoint(checkpoint_path);
  return restore_network(net, &checkpoint, checkpoint_path, options);
}

std::string effective_vars_to_freeze(const std::string& vars_to_freeze, const std::string& vars_to_restore) {
  return vars_to_freeze.empty() ? vars_to_restore : vars_to_freeze;
}

std::vector<std::string> frozen_parameters(std::span<const std::string> names, const std::string& vars_to_freeze) {
  std::vector<std::string> frozen;
  if (vars_to_freeze.empty()) return frozen;
  const std::regex expression = compile("vars_to_freeze", vars_to_freeze);
  for (const std::string& name : names)
    if (matches(expression, name)) frozen.push_back(name);
  return frozen;
}

}  // namespace voxtrain

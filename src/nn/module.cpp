// module.cpp — parameter, buffer and child bookkeeping for modules.
#include "voxtrain/nn/module.hpp"

namespace voxtrain {

std::vector<Parameter*> Module::parameters() {
  std::vector<Parameter*> out;
  for (Parameter& p : parameters_) out.push_back(&p);
  for (auto& child : children_) {
    auto more = child->parameters();
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::vector<std::pair<std::string, Tensor*>> Module::buffers() {
  auto out = buffers_;
  for (auto& child : children_) {
    auto more = child->buffers();
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::int64_t Module::parameter_count() {
  std::int64_t n = 0;
  for (Parameter* p : parameters()) n += p->numel();
  return n;
}

void Module::set_training(bool training) {
  training_ = training;
  for (auto& child : children_) child->set_training(training);
}

Parameter& Module::add_parameter(const std::string& local_name, Tensor value) {
  return parameters_.emplace_back(child_name(local_name), std::move(value));
}

void Module::add_buffer(const std::string& local_name, Tensor* tensor) {
  buffers_.emplace_back(child_name(local_name), tensor);
}

}  // namespace voxtrain

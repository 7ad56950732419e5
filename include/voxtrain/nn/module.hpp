// module.hpp — a piece of a network with named parameters, buffers (running statistics) and
// child modules; forward records onto the input's tape. Names are dotted paths ("unet.enc0.conv1").
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "voxtrain/nn/tape.hpp"

namespace voxtrain {

class Module {
 public:
  explicit Module(std::string name) : name_(std::move(name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Var forward(Var x) = 0;

  const std::string& name() const { return name_; }
  // Every parameter of this module and its children, in a fixed order (registration order).
  std::vector<Parameter*> parameters();
  // Tensors that are state but not trained (batch norm's running mean and variance), by full name.
  std::vector<std::pair<std::string, Tensor*>> buffers();
  std::int64_t parameter_count();

  void set_training(bool training);
  bool training() const { return training_; }

 protected:
  Parameter& add_parameter(const std::string& local_name, Tensor value);
  void add_buffer(const std::string& local_name, Tensor* tensor);
  template <class M, class... Args>
  M& add_child(Args&&... args) {
    auto child = std::make_unique<M>(std::forward<Args>(args)...);
    M& ref = *child;
    children_.push_back(std::move(child));
    return ref;
  }
  std::string child_name(const std::string& local_name) const { return name_ + "." + local_name; }

 private:
  std::string name_;
  bool training_ = true;
  std::deque<Parameter> parameters_;  // stable addresses
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<std::unique_ptr<Module>> children_;
};

}  // namespace voxtrain

// application.hpp — what an application (segmentation first) gives the driver: its data, network
// and samplers, one iteration's work, its outputs' interpretation and its checkpoint contents.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "voxtrain/engine/engine_context.hpp"
#include "voxtrain/engine/iteration_message.hpp"

namespace voxtrain {

struct CheckpointData;

class Application {
 public:
  virtual ~Application() = default;

  // NiftyNet's initialise_dataset_loader, initialise_sampler, initialise_network and
  // connect_data_and_network: read the data set, build samplers and the network. graph_created
  // follows. Errors a user can cause throw Error.
  virtual void initialise(EngineContext& context) = 0;
  // The sampler_threading handler starts and stops the prefetch threads around the session.
  virtual void start_sampling() {}
  virtual void stop_sampling() {}

  // One iteration: a training step (the weights change only when message.apply_gradients), a
  // validation batch or an inference batch; CONSOLE/SUMMARY/NETWORK_OUTPUT values go to the
  // context's OutputsCollector, timings into message.timing.
  virtual void run_iteration(IterationMessage& message) = 0;
  // NiftyNet's interpret_output: network outputs to the aggregator; false once inference has
  // processed everything (the output_interpreter handler then stops the loop).
  virtual bool interpret_output(IterationMessage& message) { (void)message; return true; }

  // Checkpoints (model_saver / model_restorer): fill everything needed to resume, and take it back.
  virtual void save_checkpoint(CheckpointData& data) = 0;
  virtual void restore_checkpoint(const CheckpointData& data, const std::string& path) = 0;
  // A run with no checkpoint to start from (training from scratch): the model_restorer calls this
  // instead, so that parts of the network can be seeded from other files (restorable scopes).
  virtual void start_without_checkpoint() {}
};

using ApplicationFactory = std::function<std::unique_ptr<Application>()>;

// The registry of applications by their section name ("SEGMENTATION"), case-insensitive.
void register_application(const std::string& name, ApplicationFactory factory);
// An unknown name throws Error listing the registered ones.
std::unique_ptr<Application> make_application(std::string_view name);
std::vector<std::string> application_names();

}  // namespace voxtrain

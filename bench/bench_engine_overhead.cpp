// bench_engine_overhead.cpp — what the engine adds to a training step: the bare TrainStep of
// bench_train_step against the same step run by the ApplicationDriver with the collectors and
// the logging handlers (console, csv, performance, TensorBoard every 20 iterations with weight and
// gradient histograms and images). Each round times the whole driver run and, inside it, the
// TrainStep calls themselves: their ratio is what the engine adds to the same steps (the bare
// runs alternated with it are printed too, but drift between runs on a shared machine).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "bench_support.hpp"
#include "voxtrain/comm/communicator.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/engine/application_driver.hpp"
#include "voxtrain/engine/collectors/outputs_collector.hpp"
#include "voxtrain/engine/handlers/basic_handlers.hpp"
#include "voxtrain/engine/handlers/console_logger.hpp"
#include "voxtrain/engine/handlers/csv_logger.hpp"
#include "voxtrain/engine/handlers/performance_logger.hpp"
#include "voxtrain/engine/handlers/tensorboard_logger.hpp"
#include "voxtrain/metrics/segmentation_metrics.hpp"
#include "voxtrain/nn/train_step.hpp"

namespace {

using namespace voxtrain;
using Clock = std::chrono::steady_clock;

struct Batch {
  Tensor images, labels;
};

// The bench's step as an application: the step, console values (loss, patch Dice of class 1) and,
// when asked, SUMMARY histograms of every weight and gradient and a mid-slice image.
class StepApplication final : public Application {
 public:
  StepApplication(TrainStep& step, Network& net, const Batch& batch) : step_(step), net_(net), batch_(batch) {}
  void initialise(EngineContext& context) override { context_ = &context; }
  void run_iteration(IterationMessage& m) override {
    OutputsCollector& out = *context_->outputs;
    out.clear_values();
    StepOptions options;
    options.learning_rate = 1e-3;
    options.apply_update = m.apply_gradients;
    options.keep_logits = true;
    const auto start = std::chrono::steady_clock::now();
    const StepResult r = step_.run(batch_.images, batch_.labels, nullptr, options);
    step_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.timing.forward = r.timing.forward;
    m.timing.backward = r.timing.backward;
    m.timing.optimizer = r.timing.optimizer + r.timing.check;
    out.add("loss", scalar(r.loss), true, Collection::Console);
    out.add("patch_dice_1", scalar(dice(r.logits)), true, Collection::Console);
    out.add("loss", scalar(r.loss), true, Collection::Summary);
    if (m.collect_summaries) {
      for (Parameter* p : net_.parameters()) {
        out.add("weights/" + p->name(), p->value(), false, Collection::Summary, SummaryType::Histogram);
        out.add("gradients/" + p->name(), p->grad(), false, Collection::Summary, SummaryType::Histogram);
      }
      Tensor slice = Tensor::empty({64, 64});
      std::copy_n(batch_.images.data<float>(), 64 * 64, slice.data<float>());
      out.add("image/input", slice, false, Collection::Summary, SummaryType::Image3d);
    }
    out.reduce(*context_->communicator);
    for (const CollectedVariable& v : out.collected(Collection::Console))
      m.console.emplace_back(v.name, static_cast<double>(v.value.data<float>()[0]));
  }
  void save_checkpoint(CheckpointData&) override {}
  void restore_checkpoint(const CheckpointData&, const std::string&) override {}

  double step_seconds = 0;  // inside TrainStep::run, summed over the run

 private:
  static Tensor scalar(double v) {
    Tensor t = Tensor::empty({1});
    t.data<float>()[0] = static_cast<float>(v);
    return t;
  }
  double dice(const Tensor& logits) const {  // class 1 of 2: the argmax is logit 1 > logit 0
    const std::int64_t n = batch_.labels.numel() / 2;
    Tensor seg = Tensor::empty(batch_.labels.shape(), DType::Int32);
    const float* l = logits.data<float>();
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t i = 0; i < n; ++i)
        seg.data<std::int32_t>()[b * n + i] = l[(2 * b + 1) * n + i] > l[2 * b * n + i] ? 1 : 0;
    return segmentation_metric("dice", confusion_counts(seg, batch_.labels, 2)[1], nullptr);
  }
  TrainStep& step_;
  Network& net_;
  const Batch& batch_;
  EngineContext* context_ = nullptr;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  const int threads = bench::int_flag(argc, argv, "--threads", omp_get_max_threads());
  const int steps = bench::int_flag(argc, argv, "--steps", 20);
  const int rounds = bench::int_flag(argc, argv, "--rounds", 3);
  const int size = bench::int_flag(argc, argv, "--size", 64);
  omp_set_num_threads(threads);

  NetworkConfig config;
  config.in_channels = 1;
  config.num_classes = 2;
  config.normalisation = "instance";
  config.activation_function = "relu";
  auto net = make_network("unet", config);
  auto loss = make_loss("DicePlusXEnt", 2);
  auto optimizer = make_optimizer(OptimizerConfig{});
  Batch batch{Tensor::empty({2, 1, size, size, size}), Tensor::empty({2, 1, size, size, size}, DType::Int32)};
  const auto key = random_key({1});
  for (std::int64_t i = 0; i < batch.images.numel(); ++i) {
    batch.images.data<float>()[i] = static_cast<float>(standard_normal(key, static_cast<std::uint64_t>(i)));
    batch.labels.data<std::int32_t>()[i] = uniform01(key, static_cast<std::uint64_t>(i) + (1ull << 40)) < 0.3 ? 1 : 0;
  }
  LocalReduction reduction;
  TrainStep step(cpu_backend(), *net, *loss, *optimizer, reduction, net->parameters());
  StepOptions options;
  options.learning_rate = 1e-3;
  step.run(batch.images, batch.labels, nullptr, options);  // warm-up: primitives created

  const std::string logs = (std::filesystem::temp_directory_path() / "voxtrain_bench_engine_overhead").string();
  std::filesystem::remove_all(logs);
  std::FILE* console = std::fopen("/dev/null", "w");
  std::printf("bench_engine_overhead: unet depth 4, base 16, instance norm, 2 classes, batch 2 x 1 x %d^3, Adam; "
              "%d threads; %d steps per run; handlers apply_gradients, output_interpreter, console_logger, "
              "csv_logger, performance_logger, tensorboard_logger (every 20)\n",
              size, threads, steps);
  std::vector<double> ratios;
  for (int round = 0; round < rounds; ++round) {
    const auto bare_start = Clock::now();
    for (int i = 0; i < steps; ++i) step.run(batch.images, batch.labels, nullptr, options);
    const double bare = seconds_since(bare_start) / steps;

    SingleProcessCommunicator comm;
    OutputsCollector outputs(1);
    EngineContext context;
    context.communicator = &comm;
    context.outputs = &outputs;
    context.model_dir = logs;
    auto application = std::make_unique<StepApplication>(step, *net, batch);
    StepApplication& app = *application;
    ApplicationDriver driver(std::move(application), context,
                             IterationPlan{.training = true, .initial_iter = 0, .final_iter = steps});
    driver.add_handler(std::make_unique<ApplyGradients>());
    driver.add_handler(std::make_unique<OutputInterpreter>(driver.application()));
    driver.add_handler(std::make_unique<ConsoleLogger>(0, steps, console, false));
    driver.add_handler(std::make_unique<CsvLogger>(logs + "/logs"));
    driver.add_handler(std::make_unique<PerformanceLogger>(logs + "/logs/performance.csv"));
    driver.add_handler(std::make_unique<TensorBoardLogger>(outputs, logs + "/logs", 20));
    const auto engine_start = Clock::now();
    driver.run();
    const double engine_total = seconds_since(engine_start);
    const double engine = engine_total / steps;
    const double inside = app.step_seconds / steps;
    ratios.push_back(engine / inside);
    std::printf("round %d: engine %.1f ms/iteration, of which TrainStep %.1f ms: engine/step %.4f (%+.2f%%); "
                "separate bare run %.1f ms/step (engine/bare %.4f)\n",
                round + 1, engine * 1e3, inside * 1e3, engine / inside, 100 * (engine / inside - 1), bare * 1e3,
                engine / bare);
  }
  std::sort(ratios.begin(), ratios.end());
  const double median = ratios[ratios.size() / 2];
  std::printf("median engine/step %.4f: the engine adds %+.2f%% to the step (budget: 2%%)\n", median,
              100 * (median - 1));
  std::fclose(console);
  std::filesystem::remove_all(logs);
  return 0;
}

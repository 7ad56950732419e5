// main.cpp — Catch2's main for the MPI test binary: initialises MPI, seeds each rank
// differently, aborts a test case hung for too long (naming the rank and the case), writes a
// per-rank result file that run_mpi_test.cmake checks, and finalises MPI.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "mpi_test_support.hpp"

namespace {

int g_rank = 0;
int g_size = 1;
unsigned g_seed = 0;

// The test case each rank is in, shared between Catch's listener and the watchdog thread.
struct RunningCase {
  std::mutex mutex;
  std::string name;
  std::chrono::steady_clock::time_point started;
  bool active = false;
  int finished = 0;
} g_running;

class CaseTracker : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    const std::lock_guard lock(g_running.mutex);
    g_running.name = info.name;
    g_running.started = std::chrono::steady_clock::now();
    g_running.active = true;
  }
  void testCaseEnded(const Catch::TestCaseStats&) override {
    const std::lock_guard lock(g_running.mutex);
    g_running.active = false;
    ++g_running.finished;
  }
};

// Aborts every rank when one test case on this rank runs longer than the limit.
class Watchdog {
 public:
  explicit Watchdog(int seconds) : limit_(seconds), thread_([this] { watch(); }) {}
  ~Watchdog() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
      const std::lock_guard running_lock(g_running.mutex);
      if (!g_running.active || std::chrono::steady_clock::now() - g_running.started < limit_) continue;
      std::fprintf(stderr, "[rank %d] watchdog: test case '%s' has run for more than %d s; aborting all ranks\n",
                   g_rank, g_running.name.c_str(), static_cast<int>(limit_.count()));
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 3);
    }
  }

  std::chrono::seconds limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

void write_result(const std::string& dir, int failed, int cases, int expected_ranks) {
  if (dir.empty()) return;
  const bool ok = failed == 0 && cases > 0 && (expected_ranks == 0 || expected_ranks == g_size);
  std::ofstream(dir + "/rank-" + std::to_string(g_rank) + ".result")
      << "status=" << (ok ? "passed" : "failed") << " rank=" << g_rank << " size=" << g_size
      << " cases=" << cases << " failed=" << failed << " seed=" << g_seed << "\n";
}

}  // namespace

CATCH_REGISTER_LISTENER(CaseTracker)

namespace voxtrain::test {
int world_rank() { return g_rank; }
int world_size() { return g_size; }
unsigned rank_seed() { return g_seed; }
}  // namespace voxtrain::test

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);  // the watchdog may call MPI_Abort
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);  // errors come back as codes

  Catch::Session session;
  std::string results_dir;
  int watchdog_seconds = 120;
  int expected_ranks = 0;
  using Catch::clara::Opt;
  session.cli(session.cli() |
              Opt(results_dir, "dir")["--results-dir"]("write rank-K.result and rank-K.log here") |
              Opt(watchdog_seconds, "seconds")["--watchdog-seconds"]("abort a test case running longer (120)") |
              Opt(expected_ranks, "n")["--expect-ranks"]("fail unless MPI_COMM_WORLD has n ranks"));
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) {
    MPI_Finalize();
    return rc;
  }
  auto& config = session.configData();
  const unsigned base_seed = config.rngSeed != 0 ? config.rngSeed : 20261122u;
  g_seed = base_seed + static_cast<unsigned>(g_rank);
  config.rngSeed = g_seed;
  if (g_rank != 0 && !results_dir.empty())
    config.outputFilename = results_dir + "/rank-" + std::to_string(g_rank) + ".log";
  if (expected_ranks != 0 && expected_ranks != g_size && g_rank == 0)
    std::fprintf(stderr, "expected %d ranks but MPI_COMM_WORLD has %d: was mpiexec -n honoured?\n",
                 expected_ranks, g_size);

  int failed = 0;
  {
    const Watchdog watchdog(watchdog_seconds);
    failed = session.run();
  }
  const int cases = g_running.finished;

  int local[2] = {failed, cases};
  int worst[2] = {0, 0};
  MPI_Allreduce(local, worst, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  write_result(results_dir, failed, cases, expected_ranks);
  if (g_rank == 0)
    std::printf("MPI tests: %d ranks (seeds %u..%u), up to %d test cases each, %d failed on the worst rank\n",
                g_size, base_seed, base_seed + static_cast<unsigned>(g_size) - 1, worst[1], worst[0]);
  MPI_Finalize();
  return worst[0] > 0 ? 1 : 0;
}

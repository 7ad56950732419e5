// bench_patch_store.cpp — chooses the patch store's chunk shape and compression: writes a 4-channel
// phantom subject per layout, then times random 64^3 patch reads (ms/patch, patches/s) and sizes.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench_support.hpp"
#include "voxtrain/core/random.hpp"
#include "voxtrain/data/store/patch_store.hpp"
#include "voxtrain/data/phantoms/phantom.hpp"

namespace {

using namespace voxtrain;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Layout {
  std::array<std::int64_t, 4> chunk;
  int gzip_level;
  bool data_checksums = true;  // fletcher32 on every chunk (voxdata convert's default)
};

// `count` random 64^3 windows wholly inside a volume of (nx, ny, nz), keyed by `seed`.
std::vector<PatchLocation> random_windows(std::int64_t nx, std::int64_t ny, std::int64_t nz, std::int64_t patch,
                                          int count, std::uint64_t seed) {
  const std::uint64_t key = random_key({seed, hash_name("bench_patch_store")});
  const std::int64_t extent[3] = {nx, ny, nz};
  std::vector<PatchLocation> out;
  for (int n = 0; n < count; ++n) {
    PatchLocation at{.subject = 0, .start = {}, .end = {}};
    for (int a = 0; a < 3; ++a) {
      const double u = uniform01(key, static_cast<std::uint64_t>(n * 3 + a));
      at.start[a] = static_cast<std::int64_t>(u * static_cast<double>(extent[a] - patch + 1));
      at.end[a] = at.start[a] + patch;
    }
    out.push_back(at);
  }
  return out;
}

// Seconds per patch for reading every window once: the median of `passes` passes.
double seconds_per_patch(const PatchStoreReader& store, const std::vector<PatchLocation>& windows, int passes) {
  const double pass = bench::median_seconds(
      [&] {
        for (const PatchLocation& at : windows) (void)store.read_image_patch(0, at);
      },
      1, passes);
  return pass / static_cast<double>(windows.size());
}

// Patches per second with `threads` threads, each with its own reader (opened before the clock
// starts), each reading every window `passes` times.
double threaded_rate(const std::string& path, const std::vector<PatchLocation>& windows, int threads, int passes) {
  std::vector<PatchStoreReader> readers;
  for (int t = 0; t < threads; ++t) readers.emplace_back(path);
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int p = 0; p < passes; ++p)
        for (const PatchLocation& at : windows) (void)readers[static_cast<std::size_t>(t)].read_image_patch(0, at);
    });
  for (std::thread& t : pool) t.join();
  return static_cast<double>(threads * passes) * static_cast<double>(windows.size()) / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const int size = bench::int_flag(argc, argv, "--size", 160);
  const int patch = bench::int_flag(argc, argv, "--patch", 64);
  const int patches = bench::int_flag(argc, argv, "--patches", 100);
  const int passes = bench::int_flag(argc, argv, "--passes", 3);
  const bool compressed = bench::int_flag(argc, argv, "--gzip", 1) != 0;  // 0: uncompressed layouts only
  const int modalities = 4;

  const Phantom phantom = make_phantom(PhantomSpec{.size = size, .classes = 4, .modalities = modalities, .seed = 1}, 1);
  Subject subject;
  subject.id = "sub-001";
  subject.image = phantom.image;
  subject.label = phantom.label;
  subject.affine = phantom.affine;
  const double mib = static_cast<double>(subject.image.nbytes()) / (1024.0 * 1024.0);
  const std::vector<PatchLocation> windows = random_windows(size, size, size, patch, patches, 7);

  const std::string path = (std::filesystem::temp_directory_path() / fmt::format("bench_patch_store_{}.h5", ::getpid())).string();
  const Layout layouts[] = {
      {{1, 16, 16, 16}, 0}, {{1, 32, 32, 32}, 0}, {{1, 64, 64, 64}, 0}, {{0, 32, 32, 32}, 0}, {{0, 64, 64, 64}, 0},
      {{1, 32, 32, 32}, 0, false}, {{0, 32, 32, 32}, 0, false},
      {{1, 32, 32, 32}, 1}, {{1, 64, 64, 64}, 1}, {{0, 32, 32, 32}, 1}, {{1, 32, 32, 32}, 4}, {{1, 64, 64, 64}, 4},
  };
  std::printf("bench_patch_store: phantom subject %d channels x %d^3 float32 (%.0f MiB) plus its int32 label; "
              "%d random %d^3 image patches (all channels) per layout, median of %d passes; file in the page cache "
              "(warm)\n\n",
              modalities, size, mib, patches, patch, passes);
  std::printf("| chunk [c, d, h, w] | compression | data checksums | file MiB | write s | ms per patch | patches/s | "
              "whole-subject read s |\n|---|---|---|---|---|---|---|---|\n");
  for (const Layout& layout : layouts) {
    if (layout.gzip_level > 0 && !compressed) continue;
    const auto write_start = Clock::now();
    {
      PatchStoreWriter writer(path, PreprocessingFingerprint{},
                              PatchStoreOptions{.chunk = layout.chunk, .gzip_level = layout.gzip_level,
                                                .data_checksums = layout.data_checksums});
      writer.add_subject(subject);
      writer.commit();
    }
    const double write_s = seconds_since(write_start);
    const double file_mib = static_cast<double>(std::filesystem::file_size(path)) / (1024.0 * 1024.0);
    const PatchStoreReader store(path);
    const double per_patch = seconds_per_patch(store, windows, passes);
    const double whole = bench::median_seconds([&] { (void)store.read_subject(0); }, 0, 3);
    const std::string chunk = fmt::format("[{}, {}, {}, {}]", layout.chunk[0] == 0 ? std::string("C") : std::to_string(layout.chunk[0]),
                                          layout.chunk[1], layout.chunk[2], layout.chunk[3]);
    std::printf("| %s | %s | %s | %.1f | %.2f | %.2f | %.0f | %.2f |\n", chunk.c_str(),
                compression_name(layout.gzip_level).c_str(), layout.data_checksums ? "fletcher32" : "none", file_mib, write_s, per_patch * 1e3, 1.0 / per_patch,
                whole);
    std::fflush(stdout);
  }

  // The default layout, read by 1, 2 and 4 threads with a reader each (libhdf5 serialises calls).
  {
    PatchStoreWriter writer(path, PreprocessingFingerprint{}, PatchStoreOptions{});
    writer.add_subject(subject);
    writer.commit();
  }
  const PatchStoreOptions defaults;
  std::printf("\nDefault layout (chunk [%s, %lld, %lld, %lld], %s), one reader per thread:\n\n"
              "| threads | patches/s (all threads) |\n|---|---|\n",
              defaults.chunk[0] == 0 ? "C" : std::to_string(defaults.chunk[0]).c_str(),
              static_cast<long long>(defaults.chunk[1]), static_cast<long long>(defaults.chunk[2]),
              static_cast<long long>(defaults.chunk[3]), compression_name(defaults.gzip_level).c_str());
  (void)threaded_rate(path, windows, 1, 1);  // warm-up
  for (int threads : {1, 2, 4}) std::printf("| %d | %.0f |\n", threads, threaded_rate(path, windows, threads, passes));
  std::filesystem::remove(path);
  return 0;
}

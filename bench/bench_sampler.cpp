// bench_sampler.cpp — training patches per second through the whole input pipeline (sample stream,
// uniform sampler, patch read, batches from prefetch workers): 64^3 windows of 96^3 phantom subjects
// with 1 and 4 modalities, from an HDF5 patch store (hyperslab reads) and from .nii.gz files
// (decoded per subject, NiftyNet's way), with 1 and 2 worker threads.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "bench_support.hpp"
#include "voxtrain/data/store/store_conversion.hpp"
#include "voxtrain/data/inputs/input_discovery.hpp"
#include "voxtrain/data/nifti/nifti_subject_source.hpp"
#include "voxtrain/data/phantoms/phantom.hpp"
#include "voxtrain/data/store/store_subject_source.hpp"
#include "voxtrain/data/sampling/training_batches.hpp"

namespace fs = std::filesystem;
using namespace voxtrain;

namespace {

struct DataSet {
  std::string dir;
  std::string store;
  std::string store_without_checksums;  // voxdata convert --no-data-checksums
  std::vector<SubjectFiles> files;
  PreprocessingSettings settings;
};

// subjects phantom heads of size^3 with `modalities` contrasts as .nii.gz, and their store.
DataSet make_data_set(const std::string& root, int subjects, int size, int modalities) {
  DataSet d;
  d.dir = root + "/nii_m" + std::to_string(modalities);
  PhantomDataSetOptions o;
  o.out = d.dir;
  o.subjects = subjects;
  o.spec.size = size;
  o.spec.modalities = modalities;
  o.spec.classes = 4;
  o.spec.seed = 3;
  write_phantom_data_set(o);
  ConvertOptions c;
  c.images = {d.dir};
  for (int m = 0; m < modalities; ++m) c.image_contains.push_back(phantom_modality_name(m));
  c.label_contains = "Label";
  c.out = root + "/store_m" + std::to_string(modalities) + ".h5";
  run_convert(c);
  d.store = c.out;
  c.data_checksums = false;
  c.out = root + "/store_m" + std::to_string(modalities) + "_no_data_checksums.h5";
  run_convert(c);
  d.store_without_checksums = c.out;
  const IniFile ini = explicit_convert_config(c);
  const auto sections = input_sections(ini);
  d.files = discover_subjects(sections, input_grouping(ini, sections));
  d.settings = preprocessing_settings_from_ini(ini, sections, input_grouping(ini, sections));
  return d;
}

// Patches per second over `steps` batches of 2 after one warm-up batch.
double patches_per_second(std::shared_ptr<const SubjectSource> source, int threads, int window, int steps) {
  TrainingBatchSpec spec;
  spec.sampler = SamplerKind::Uniform;
  spec.window = {window, window, window};
  spec.stream.n_subjects = source->size();
  spec.stream.sample_per_volume = 1;
  spec.stream.seed = 1;
  spec.stream.batch_size = 2;
  spec.num_threads = threads;
  spec.queue_length = 4;
  spec.subject_cache_bytes = 0;  // every patch reads its subject anew (NIfTI) or its hyperslab (store)
  TrainingBatches batches(std::move(source), spec);
  batches.next();
  const auto t0 = std::chrono::steady_clock::now();
  for (int s = 0; s < steps; ++s) batches.next();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * steps / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int subjects = bench::int_flag(argc, argv, "--subjects", 8);
  const int size = bench::int_flag(argc, argv, "--size", 96);
  const int window = bench::int_flag(argc, argv, "--window", 64);
  const int steps = bench::int_flag(argc, argv, "--steps", 100);
  omp_set_num_threads(1);  // the workers are the parallelism measured
  const std::string root = (fs::temp_directory_path() / ("voxtrain_bench_sampler_" + std::to_string(::getpid()))).string();
  fs::create_directories(root);

  std::printf("bench_sampler: %d phantom subjects of %d^3, uniform %d^3 windows, batches of 2, "
              "sample_per_volume 1, %d batches timed (usable CPUs decide the worker count)\n",
              subjects, size, window, steps);
  std::printf("(hdf5: the default store, fletcher32 on every chunk; hdf5-raw: --no-data-checksums)\n");
  std::printf("%-11s %-9s %-8s %12s\n", "modalities", "source", "threads", "patches/s");
  for (int modalities : {1, 4}) {
    const DataSet d = make_data_set(root, subjects, size, modalities);
    auto store = std::make_shared<StoreSubjectSource>(d.store);
    auto raw_store = std::make_shared<StoreSubjectSource>(d.store_without_checksums);
    auto nifti = std::make_shared<NiftiSubjectSource>(d.files, d.settings);
    for (int threads : {1, 2}) {
      const double from_store = patches_per_second(store, threads, window, steps);
      const double from_raw_store = patches_per_second(raw_store, threads, window, steps);
      const double from_nifti = patches_per_second(nifti, threads, window, std::max(4, steps / 10));
      std::printf("%-11d %-9s %-8d %12.1f\n", modalities, "hdf5", threads, from_store);
      std::printf("%-11d %-9s %-8d %12.1f   hdf5/hdf5-raw = %.2fx\n", modalities, "hdf5-raw", threads, from_raw_store,
                  from_store / from_raw_store);
      std::printf("%-11d %-9s %-8d %12.1f   store/nii.gz = %.1fx\n", modalities, "nii.gz", threads, from_nifti,
                  from_store / from_nifti);
    }
  }
  fs::remove_all(root);
  return 0;
}

// main.cpp — the voxtrain command: its subcommands, each in its own <name>_command(s) file
// beside this one.
#include "cli/config_command.hpp"
#include "cli/evaluate_command.hpp"
#include "cli/inspect_command.hpp"
#include "cli/run_commands.hpp"
#include "voxtrain/core/command_line.hpp"

int main(int argc, char** argv) {
  const voxtrain::Program program{
      "voxtrain",
      "Train and run 3D medical-image segmentation networks on one or many GPUs or CPU nodes\n"
      "(start it with mpirun or srun for several ranks).",
      {{"train", "Train the application of a NiftyNet-style config (resumes from its model_dir's latest checkpoint)",
        voxtrain::run_train_command},
       {"infer", "Segment the inference subjects of a config with a trained checkpoint, writing NIfTI files",
        voxtrain::run_infer_command},
       {"evaluate", "Per-subject volume-level metrics (Dice, distances, ...) of segmentations against reference labels",
        voxtrain::run_evaluate_command},
       {"inspect", "What a checkpoint holds: iteration, network, counters, tensors with statistics, its config",
        voxtrain::run_inspect_checkpoint_command},
       {"config", "List the config keys, or check a config file and print its effective settings",
        voxtrain::run_config_command}}};
  return voxtrain::run_program(program, argc, argv);
}

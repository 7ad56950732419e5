// main.cpp — the voxtrain command. Subcommands (train, inference, evaluate, inspect) are added
// here as the engine grows; today: evaluate, config.
#include "cli/config_command.hpp"
#include "cli/evaluate_command.hpp"
#include "voxtrain/core/command_line.hpp"

int main(int argc, char** argv) {
  const voxtrain::Program program{
      "voxtrain",
      "Train and run 3D medical-image segmentation networks on one or many GPUs or CPU nodes\n"
      "(start it with mpirun or srun for several ranks).",
      {{"evaluate", "Per-subject segmentation metrics (Dice, distances, ...) against reference label maps",
        voxtrain::run_evaluate_command},
       {"config", "List the config keys, or check a config file and print its effective settings",
        voxtrain::run_config_command}}};
  return voxtrain::run_program(program, argc, argv);
}

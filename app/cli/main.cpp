// mae: the headless command-line tool. Every job the GUI does can be run here.
#include "commands.h"

#include "base/errors.h"
#include "base/nearest_name.h"
#include "runtime/assets.h"
#include "runtime/runtime.h"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int, const char* const*);
};

const Command kCommands[] = {
    {"info", "print a model's architecture, parameter counts and format", mae::cli::run_info},
#ifdef MAE_WITH_OPENCV
    {"reconstruct", "mask an image and write the paper's demo figure", mae::cli::run_reconstruct},
    {"attention", "where a patch attends: one layer and head, or the rollout, over the image",
     mae::cli::run_attention},
    {"posembed", "the cosine-similarity grid of the position embeddings", mae::cli::run_posembed},
    {"eval-recon", "masked-region error of a model against inpainting baselines",
     mae::cli::run_eval_recon},
    {"pack", "pack an image folder into uint8 shards for training", mae::cli::run_pack},
    {"plot-metrics", "plot a training run's loss and k-NN accuracy curves",
     mae::cli::run_plot_metrics},
    {"sweep", "run an ablation sweep of the paper's experiments", mae::cli::run_sweep},
#endif
    {"forward", "run the model on tensors from a safetensors file (parity checks)",
     mae::cli::run_forward},
    {"convert", "convert an official .pth or HuggingFace checkpoint to our format",
     mae::cli::run_convert},
    {"train", "pre-train a Masked Autoencoder from a training config", mae::cli::run_train},
    {"probe", "linear-probe a trained encoder on labelled data", mae::cli::run_probe},
    {"finetune", "fine-tune a pre-trained encoder for classification", mae::cli::run_finetune},
    {"bench", "measure training, inference or input-pipeline speed", mae::cli::run_bench},
    {"fetch", "download one of the paper's public models, check and convert it",
     mae::cli::run_fetch},
};

void print_usage(std::ostream& out) {
  out << "usage: mae <command> [options]\n\nMAE Studio command-line tool for Masked "
         "Autoencoders.\n\ncommands:\n";
  for (const auto& c : kCommands) {
    std::string name = c.name;
    name.resize(14, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\nRun 'mae <command> --help' for a command's options, 'mae --version' for the\n"
         "version and where the shipped models and configs are read from.\n";
}

void print_version() {
  std::cout << "mae " MAE_VERSION "\nassets:  " << mae::asset_dir()
            << "\nconfigs: " << mae::config_dir() << "\n";
}

const Command* find_command(const char* name) {
  for (const auto& c : kCommands)
    if (!std::strcmp(name, c.name))
      return &c;
  return nullptr;
}

int unknown_command(const char* name) {
  std::vector<std::string> names;
  for (const auto& c : kCommands)
    names.push_back(c.name);
  std::cerr << "mae: unknown command '" << name << "'" << mae::did_you_mean(name, names) << "\n\n";
  print_usage(std::cerr);
  return 2;
}

// Typed errors become one line and an exit code: 2 for bad usage, 1 for bad input.
int run_command(const Command& c, int argc, const char* const* argv) {
  try {
    return c.run(argc, argv);
  } catch (const mae::UsageError& e) {
    std::cerr << "mae " << c.name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const mae::Error& e) {
    std::cerr << "mae " << c.name << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    // Not one of the core's typed errors: still one line, no stack trace.
    std::cerr << "mae " << c.name << ": error: " << mae::exception_text(e) << "\n";
    return 1;
  }
}

} // namespace

int main(int argc, char** argv) {
  mae::tune_allocator();
  if (argc < 2) {
    std::cerr << "mae: no command given\n\n";
    print_usage(std::cerr);
    return 2;
  }
  const bool help = !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
                    !std::strcmp(argv[1], "help");
  if (help && argc >= 3) { // mae help train: that command's help
    const Command* c = find_command(argv[2]);
    const char* const help_argv[] = {"--help"};
    return c ? run_command(*c, 1, help_argv) : unknown_command(argv[2]);
  }
  if (help) {
    print_usage(std::cout);
    return 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    print_version();
    return 0;
  }
  const Command* c = find_command(argv[1]);
  return c ? run_command(*c, argc - 2, argv + 2) : unknown_command(argv[1]);
}

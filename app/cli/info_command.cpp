#include "commands.h"
#include "common.h"

#include "eval/reconstructor.h"

#include <iostream>

namespace mae::cli {

int run_info(int argc, const char* const* argv) {
  Args args("info", "Print a model's architecture, parameter counts and checkpoint format.");
  args.positional("MODEL", "model file or HuggingFace directory");
  if (!parse_command(args, argc, argv, kModel | kThreads))
    return 0;
  const auto model = Reconstructor::load(args.get("MODEL"), load_options(args), "cpu");
  std::cout << model->info().describe();
  return 0;
}

} // namespace mae::cli

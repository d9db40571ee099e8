#include "commands.h"
#include "common.h"

#include "mae/reconstructor.h"

#include <iostream>

namespace mae::cli {

int run_info(int argc, const char* const* argv) {
  Args args("info", "Print a model's architecture, parameter counts and checkpoint format.");
  args.positional("MODEL", "model file or HuggingFace directory");
  add_model_options(args);
  add_runtime_options(args, /*with_device=*/false);
  if (!args.parse(argc, argv))
    return 0;
  apply_runtime_options(args);
  const auto model = Reconstructor::load(args.get("MODEL"), load_options(args), "cpu");
  std::cout << model->info().describe();
  return 0;
}

} // namespace mae::cli

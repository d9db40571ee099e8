// mae-studio: the reconstruction explorer. See cli_options.cpp for the
// command line and app.cpp for the frame loop.
#include "app.h"
#include "cli_options.h"

#include "base/errors.h"
#include "runtime/runtime.h"

#include <iostream>

int main(int argc, char** argv) {
  mae::tune_allocator();
  using namespace mae::studio;
  CliOptions options;
  try {
    options = parse_cli_options(argc - 1, argv + 1);
  } catch (const mae::UsageError& e) {
    std::cerr << "mae-studio: error: " << e.what() << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << cli_usage();
    return 0;
  }
  try {
    App app(options);
    return app.run();
  } catch (const mae::Error& e) {
    std::cerr << "mae-studio: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "mae-studio: error: " << mae::exception_text(e) << "\n";
    return 1;
  }
}

#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace mae::cli {
namespace {

// f16 tops out at 65504: a larger weight would be stored as infinity, and the
// model would reconstruct NaN. Refused, naming the tensors, before any write.
void refuse_f16_overflow(torch::nn::Module& model) {
  constexpr double kMostHalf = 65504.0;
  std::string first;
  double largest = 0;
  int count = 0;
  for (const auto& item : model.named_parameters()) {
    const double most = item.value().detach().abs().max().item<double>();
    if (std::isfinite(most) && most > kMostHalf) {
      if (++count == 1)
        first = item.key();
      largest = std::max(largest, most);
    }
  }
  char most[32];
  std::snprintf(most, sizeof most, "%g", largest);
  if (count > 0)
    throw UsageError("--dtype f16: " + std::to_string(count) +
                     (count == 1 ? " tensor holds" : " tensors hold") +
                     " values beyond f16's range of +-65504 (" + first + ", up to " + most +
                     "), which would be stored as infinity; use --dtype bf16 (f32's range) or "
                     "f32");
}

} // namespace

int run_convert(int argc, const char* const* argv) {
  Args args("convert",
            "Convert a checkpoint (official .pth, HuggingFace, safetensors) to MAE Studio's "
            "safetensors format,\n"
            "which records the architecture so that later loads need no --config or --arch.");
  args.positional("MODEL", "model file or HuggingFace directory")
      .option("out", "OUT.safetensors", "where to write")
      .option("dtype", "f32|f16|bf16", "stored precision", "f32");
  if (!parse_command(args, argc, argv, kModel | kOutput | kThreads))
    return 0;
  const std::string dtype_name = args.get("dtype");
  torch::ScalarType dtype = torch::kFloat32;
  if (dtype_name == "f16")
    dtype = torch::kFloat16;
  else if (dtype_name == "bf16")
    dtype = torch::kBFloat16;
  else if (dtype_name != "f32")
    throw UsageError("--dtype must be f32, f16 or bf16");

  check_output_file(args, "out", {".safetensors"}, {args.get("MODEL")});
  LoadedModel loaded = load_model(args.get("MODEL"), load_options(args));
  std::map<std::string, std::string> metadata;
  // Keep what our own files record beyond the architecture (normalisation, training notes).
  for (const auto& [k, v] : loaded.metadata)
    if (k != "format" && k != "format_version" && k != "mae_config")
      metadata[k] = v;
  // A file converted again (to f16, say) keeps where its weights first came from.
  metadata.emplace("converted_from", to_string(loaded.format));
  if (dtype == torch::kFloat16)
    refuse_f16_overflow(*loaded.model);
  save_model(args.get("out"), loaded.model, metadata, dtype);
  for (const auto& n : loaded.notices)
    std::cerr << "note: " << n << "\n";
  std::cout << "wrote " << args.get("out") << " ("
            << loaded.model->config().summary(loaded.model->has_decoder()) << ")\n";
  return 0;
}

} // namespace mae::cli

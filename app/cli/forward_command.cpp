// `mae forward`: tensors in, tensors out, for parity checks against other
// implementations. What the input file holds is checked as a file is (exit 1).
#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "base/plural.h"
#include "checkpoint/checkpoint.h"
#include "formats/safetensors.h"
#include "model/masking.h"
#include "runtime/cuda_info.h"
#include "runtime/runtime.h"

#include <torch/torch.h>

#include <iostream>

namespace mae::cli {
namespace {

torch::Tensor read_f32(const SafetensorsFile& file, const std::string& name,
                       const std::string& path) {
  const TensorView* v = file.find(name);
  if (!v)
    return {};
  if (v->dtype != DType::F32)
    throw CheckpointError(path + ": '" + name + "' must be float32, got " + dtype_name(v->dtype));
  torch::Tensor t = torch::from_blob(const_cast<uint8_t*>(v->data), v->shape, torch::kFloat32);
  if (!torch::isfinite(t).all().item<bool>()) // a loss of nan, written as a result, says nothing
    throw CheckpointError(path + ": '" + name + "' holds NaN or infinite values");
  return t.clone();
}

void write_outputs(const std::string& path, const MaeOutput& out) {
  const std::vector<std::pair<std::string, torch::Tensor>> named = {
      {"loss", out.loss.reshape({1}).to(torch::kFloat32)},
      {"pred", out.pred.to(torch::kFloat32)},
      {"mask", out.mask.to(torch::kFloat32)},
      {"ids_restore", out.ids_restore.to(torch::kInt64)},
      {"latent", out.latent.to(torch::kFloat32)}};
  std::vector<torch::Tensor> cpu;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, t] : named) {
    cpu.push_back(t.detach().cpu().contiguous());
    const auto& c = cpu.back();
    entries.push_back({name, c.scalar_type() == torch::kInt64 ? DType::I64 : DType::F32,
                       c.sizes().vec(), c.data_ptr(), c.nbytes()});
  }
  write_safetensors(path, entries, {{"format", kForwardFormat}});
}

} // namespace

int run_forward(int argc, const char* const* argv) {
  Args args(
      "forward",
      "Run the full model on IN.safetensors: pixel_values float32 [B,C,H,W] (already normalised)\n"
      "and optionally noise float32 [B,L] (random masking from that noise, as the official code).\n"
      "Writes loss [1], pred [B,L,p*p*C], mask [B,L], ids_restore int64 [B,L], latent "
      "[B,1+keep,D].");
  args.option("model", "MODEL", "model file or HuggingFace directory")
      .option("inputs", "IN.safetensors", "input tensors")
      .required()
      .option("out", "OUT.safetensors", "output tensors")
      .required()
      .option("ratio", "R", "mask ratio (default: the model's mask_ratio)")
      .option("strategy", "random|block|grid", "masking strategy when no noise is given", "random")
      .option("seed", "N", "mask seed when no noise is given", "0")
      .range(0, static_cast<double>(kMaxMaskSeed));
  if (!parse_command(args, argc, argv, kModel | kOutput | kThreads | kDevice))
    return 0;

  const torch::Device device = resolve_device(args.get("device"));
  check_output_file(args, "out", {".safetensors"}, {args.get("model"), args.get("inputs")});
  LoadedModel loaded = load_model(args.get("model"), load_options(args));
  auto& model = loaded.model;
  const std::string in_path = args.get("inputs");
  const SafetensorsFile inputs = read_safetensors(in_path);
  torch::Tensor pixels = read_f32(inputs, "pixel_values", in_path);
  if (!pixels.defined())
    throw CheckpointError(in_path + ": no 'pixel_values' tensor");
  if (pixels.dim() != 4 || pixels.size(0) == 0) // no picture: a loss of 0 would mean nothing
    throw CheckpointError(in_path + ": pixel_values must be [B,C,H,W] with at least one picture");
  if (pixels.size(1) != model->config().in_chans)
    throw CheckpointError(in_path + ": pixel_values have " + count_of(pixels.size(1), "channel") +
                          ", the model takes " + std::to_string(model->config().in_chans));
  MaskSettings mask;
  mask.ratio = args.has("ratio") ? args.get_double("ratio") : model->config().mask_ratio;
  if (!(mask.ratio >= 0 && mask.ratio < 1))
    throw UsageError("--ratio must be in [0, 1)");
  const int64_t p = model->config().patch_size;
  const int64_t gh = pixels.size(2) / p, gw = pixels.size(3) / p;
  if (gh == 0 || gw == 0 || pixels.size(2) % p != 0 || pixels.size(3) % p != 0)
    throw CheckpointError(in_path + ": pixel_values are " + std::to_string(pixels.size(2)) + "x" +
                          std::to_string(pixels.size(3)) +
                          " pixels, not a grid of the model's patches: sides must be positive "
                          "multiples of " +
                          std::to_string(p));
  torch::Tensor scores = read_f32(inputs, "noise", in_path);
  if (scores.defined()) {
    if (scores.dim() != 2 || scores.size(0) != pixels.size(0) || scores.size(1) != gh * gw)
      throw CheckpointError(in_path + ": noise must be [" + std::to_string(pixels.size(0)) + ", " +
                            std::to_string(gh * gw) + "]");
  } else {
    mask.strategy = parse_mask_strategy(args.get("strategy"));
    mask.seed = args.get_seed("seed");
    scores = mask_scores(mask, pixels.size(0), gh, gw);
  }
  model->to(device);
  cuda_strict_fp32(); // a parity tool: no TF32 in float32 matmuls and convolutions
  torch::NoGradGuard no_grad;
  const MaeOutput out =
      model->forward(pixels.to(device), scores.to(device), mask.encoder_keeps(gh, gw));
  write_outputs(args.get("out"), out);
  std::cout << "loss " << out.loss.item<double>() << ", wrote " << args.get("out") << "\n";
  for (const auto& n : loaded.notices)
    std::cerr << "note: " << n << "\n";
  return 0;
}

} // namespace mae::cli

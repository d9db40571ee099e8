#include "common.h"

#include "base/errors.h"
#include "model/fused_norm.h"
#include "model/model_config.h"
#include "runtime/runtime.h"

#include <c10/core/Device.h>

#include <cmath>
#include <csignal>
#include <sstream>

namespace mae::cli {

namespace {

void add_model_options(Args& args) {
  args.option("config", "FILE.json", "architecture for checkpoints without one (official .pth)")
      .option("arch", "NAME",
              "named architecture, e.g. mae_vit_large_patch16 (see configs/models/)");
}

} // namespace

LoadOptions load_options(const Args& args) {
  LoadOptions o;
  if (args.has("config") && args.has("arch"))
    throw UsageError("give either --config or --arch, not both");
  if (args.has("config"))
    o.config = load_model_config(args.get("config"));
  if (args.has("arch")) {
    builtin_model_config(args.get("arch")); // unknown names fail here, listing the known ones
    o.arch = args.get("arch");
  }
  return o;
}

int threads_option(const Args& args) {
  if (!args.has("threads"))
    return 0;
  const int n = args.get_int32("threads");
  if (n < 0) // the most this machine takes is said by the runtime, which knows its cores
    throw UsageError("--threads must be 0 (automatic) or a count of threads, got " +
                     args.get("threads"));
  return n;
}

namespace {

void add_runtime_options(Args& args, bool with_device) {
  args.option("threads", "N",
              "CPU threads; 0 or not given: $MAE_THREADS, else as many as the cores no other "
              "process keeps busy");
  if (with_device)
    args.option("device", "auto|cpu|cuda", "where to run", "auto")
        .option("attention", "auto|flash|efficient|cudnn|math",
                "CUDA attention kernels (LibTorch 2.5+)", "auto")
        .option("fused-norm", "on|off",
                "CUDA, bf16: residual add + LayerNorm as one kernel (checked against ATen first)",
                "off");
}

void apply_fused_norm(bool on, const std::string& device_name) {
  set_fused_norm(false);
  if (!on)
    return;
  if (!fused_norm_kernels_built())
    throw UsageError("--fused-norm on needs a build with the CUDA kernels (LibTorch with CUDA, "
                     "nvcc, and the CMake option MAE_CUDA_KERNELS)");
  // Kernels that disagree with ATen stop the run before it starts.
  const c10::Device device = resolve_device(device_name);
  if (device.is_cuda())
    check_fused_norm(device);
  set_fused_norm(true);
}

void apply_runtime_options(const Args& args) {
  configure_threads(threads_option(args));
  if (args.has("attention"))
    set_attention_backend(args.get("attention"));
  if (args.has("fused-norm"))
    apply_fused_norm(on_off(args, "fused-norm"), args.get("device"));
}

} // namespace

bool parse_command(Args& args, int argc, const char* const* argv, unsigned shared) {
  if (shared & kModel)
    add_model_options(args);
  if (shared & kNormalization)
    add_normalization_options(args);
  if (shared & kFigure)
    args.option("ratio", "R", "fraction of patches removed, in [0, 1)", "0.75")
        .option("strategy", "random|block|grid", "masking strategy", "random")
        .option("seed", "N", "mask seed", "0")
        .range(0, static_cast<double>(kMaxMaskSeed))
        .option("panel-size", "PX", "size of each panel in the figure", "224")
        .range(96, 4096);
  if (shared & kOutput)
    add_force_option(args);
  if (shared & kThreads)
    add_runtime_options(args, shared & kDevice);
  if (!args.parse(argc, argv))
    return false;
  // An empty output is no place: finetune trained and then saved nothing.
  for (const char* out : {"out", "csv", "figure", "profile"})
    if (args.has(out) && args.get(out).empty())
      throw UsageError(std::string("--") + out + " must name a file or folder, not \"\"");
  if (shared & kThreads)
    apply_runtime_options(args);
  return true;
}

FigureOptions figure_options(const Args& args) {
  FigureOptions f;
  f.mask.ratio = args.get_double("ratio");
  if (!(f.mask.ratio >= 0 && f.mask.ratio < 1))
    throw UsageError("--ratio must be in [0, 1)");
  f.mask.strategy = parse_mask_strategy(args.get("strategy"));
  f.mask.seed = args.get_seed("seed");
  f.panel_size = args.get_int32("panel-size");
  return f;
}

void add_normalization_options(Args& args) {
  args.option("mean", "R,G,B",
              "pixel mean used for normalisation (default: the model's, else ImageNet)")
      .option("std", "R,G,B",
              "pixel std used for normalisation (default: the model's, else ImageNet)");
}

namespace {

// One value per channel, finite (and positive for --std): named here, as the
// option the user typed, before the model's own check could blame "normalization".
std::vector<float> channel_values(const Args& args, const std::string& name, int channels,
                                  bool positive) {
  const std::string option = "--" + name;
  std::vector<float> v = parse_float_list(args.get(name), option);
  if (v.size() != static_cast<size_t>(channels))
    throw UsageError(option + " needs " + std::to_string(channels) +
                     " comma-separated values, one per channel of the model, got " +
                     std::to_string(v.size()));
  for (float x : v)
    if (!std::isfinite(x) || (positive && !(x > 0)))
      throw UsageError(option + " values must be " + (positive ? "positive and " : "") +
                       "finite, got '" + args.get(name) + "'");
  return v;
}

} // namespace

void apply_normalization_options(const Args& args, Normalization& n, int channels) {
  if (args.has("mean"))
    n.mean = channel_values(args, "mean", channels, false);
  if (args.has("std"))
    n.std = channel_values(args, "std", channels, true);
  n.validate(channels);
}

std::vector<float> parse_float_list(const std::string& text, const std::string& option) {
  std::vector<float> out;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) {
    try {
      size_t used = 0;
      out.push_back(std::stof(item, &used));
      if (used != item.size())
        throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError(option + " expects comma-separated numbers, got '" + text + "'");
    }
  }
  return out;
}

void add_labelled_data_options(Args& args) {
  args.option("data", "fmnist|folder|shards", "labelled data", "fmnist")
      .option("path", "DIR", "data directory (fmnist: the Debian package's by default)")
      .option("val-path", "DIR", "held-out labelled images (folder / shards)");
}

DataConfig labelled_data(const Args& args) {
  DataConfig d;
  d.type = args.get("data");
  d.path = args.get_or("path", "");
  d.val_path = args.get_or("val-path", "");
  if (d.type != "fmnist" && d.type != "folder" && d.type != "shards")
    throw UsageError("--data must be fmnist, folder or shards");
  if (d.type == "fmnist" && !d.val_path.empty()) // it has its own test split
    throw UsageError(
        "--val-path is for --data folder or shards; Fashion-MNIST brings its test set");
  if (d.type != "fmnist" && d.path.empty())
    throw UsageError("--data " + d.type + " needs --path");
  return d;
}

namespace {
volatile std::sig_atomic_t g_interrupted = 0;

// Ctrl-C, and what a scheduler, `docker stop` or a closed terminal sends:
// each asks the work to stop and save once; the same signal again kills.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_interrupt(int signal) {
  g_interrupted = 1;
  std::signal(signal, SIG_DFL);
}
} // namespace

void catch_interrupt() {
  g_interrupted = 0;
  for (int signal : kStopSignals)
    std::signal(signal, on_interrupt);
}

bool interrupted() {
  return g_interrupted != 0;
}

void release_interrupt() {
  for (int signal : kStopSignals)
    std::signal(signal, SIG_DFL);
}

bool on_off(const Args& args, const std::string& option) {
  const std::string v = args.get(option);
  if (v != "on" && v != "off")
    throw UsageError("--" + option + " " + v + ": expected on or off");
  return v == "on";
}

} // namespace mae::cli

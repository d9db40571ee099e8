// `mae bench`: training and inference speed of any config, in the units the
// PyTorch reference (bench/pytorch_reference.py) prints, so the two compare
// line by line on the same card.
#include "commands.h"
#include "common.h"
#include "dist_options.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "data/batch_source.h"
#include "data/dataset.h"
#include "dist/local_launch.h"
#include "model/add_layer_norm.h"
#include "model/flops.h"
#include "model/masking.h"
#include "model/masking_types.h"
#include "runtime/autocast.h"
#include "runtime/cuda_info.h"
#include "runtime/host_memory.h"
#include "runtime/op_trace.h"
#include "runtime/runtime.h"
#include "train/batch_memory.h"
#include "train/progress_bar.h"
#include "train/trainer.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

namespace mae::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchResult {
  double img_per_s = 0, step_ms = 0;
  // Data-parallel training: the ranks, one rank's img/s, the gradient
  // averaging's share of a step (rank 0); img_per_s is then all ranks' sum.
  int world_size = 1;
  double rank_img_per_s = 0, allreduce_ms = 0;
  bool silent = false;  // a rank other than 0: rank 0 reports
  bool stopped = false; // a Ctrl-C cut the run short (on any rank)
};

// The steps done of warm-up + timed ones, on stderr (a bar on a terminal, a
// line every 10 s otherwise): a slow model's bench was silent for minutes.
class BenchProgress {
public:
  BenchProgress(int64_t total, bool show)
      : bar_(stderr, ProgressBar::stderr_is_tty()), total_(total), show_(show) {}
  ~BenchProgress() {
    if (show_)
      bar_.finish();
  }
  void step_done(int64_t done) {
    if (!show_)
      return;
    const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    bar_.show(count_progress_text("bench steps", static_cast<size_t>(done),
                                  static_cast<size_t>(total_), secs, bar_.tty() ? 24 : 0,
                                  "steps/s"),
              done == total_);
  }

private:
  ProgressBar bar_;
  int64_t total_;
  bool show_;
  Clock::time_point start_ = Clock::now();
};

// Times steps [warmup, warmup + steps) of a real training run, and traces
// them where a profile file is named.
class StepTimer : public TrainObserver {
public:
  StepTimer(int64_t warmup, int64_t total, std::string profile, bool show)
      : warmup_(warmup), profile_path_(std::move(profile)), progress_(total, show) {}
  // The run's description and its thread probe, for the bench's notes.
  void on_message(const std::string& line) override { messages_.push_back(line); }
  const std::vector<std::string>& messages() const { return messages_; }
  // The clock starts before the first timed step (with no warm-up, before
  // the first step: after_step never sees step 0).
  bool before_step(Trainer& trainer) override {
    if (interrupted())
      return false;
    if (trainer.step() == warmup_) {
      cuda_synchronize();
      cuda_reset_peak_memory();
      if (!profile_path_.empty())
        trace_ = std::make_unique<OpTrace>(profile_path_);
      start_ = Clock::now();
    }
    return true;
  }
  bool stop_asked() override { return interrupted(); }
  void after_step(Trainer& trainer) override {
    progress_.step_done(trainer.step());
    if (trainer.step() == trainer.total_steps()) {
      cuda_synchronize();
      seconds_ = std::chrono::duration<double>(Clock::now() - start_).count();
      if (trace_)
        trace_->stop();
    }
  }
  double seconds() const { return seconds_; }

private:
  int64_t warmup_;
  std::string profile_path_;
  std::unique_ptr<OpTrace> trace_;
  Clock::time_point start_;
  double seconds_ = 0;
  std::vector<std::string> messages_;
  BenchProgress progress_;
};

TrainConfig bench_train_config(const Args& args, const ModelConfig& model) {
  TrainConfig c;
  c.name = "bench";
  c.model = model;
  const std::string data = args.get("data");
  if (data == "synthetic") {
    c.data.type = "synthetic";
    c.data.synthetic_size = model.img_size + model.img_size / 8; // room for crops
  } else if (data == "fmnist") {
    c.data.type = "fmnist";
  } else if (data.rfind("shards:", 0) == 0) {
    c.data.type = "shards";
    c.data.path = data.substr(7);
  } else {
    throw UsageError("--data must be synthetic, fmnist or shards:DIR");
  }
  c.normalization = Normalization::imagenet(model.in_chans);
  c.batch_size = args.get_int32("batch");
  c.warmup_steps = 5;
  c.total_steps = args.get_int("warmup") + args.get_int("steps");
  c.log_every = c.total_steps;
  c.bf16 = !args.flag_set("fp32");
  c.cuda_graph = !args.flag_set("no-graph");
  c.num_workers = args.get_int32("workers");
  if (int64_t{c.batch_size} * model.in_chans * model.img_size * model.img_size > (int64_t{1} << 32))
    throw UsageError("--batch " + std::to_string(c.batch_size) + ": images of " +
                     std::to_string(model.img_size) + " px make a batch of more than 4 G values");
  c.validate();
  return c;
}

std::filesystem::path bench_scratch_folder() {
  std::string name = (std::filesystem::temp_directory_path() / "mae-bench-XXXXXX").string();
  if (!::mkdtemp(name.data()))
    throw UsageError("cannot make a scratch folder in " +
                     std::filesystem::temp_directory_path().string() + ": " + std::strerror(errno));
  return name;
}

struct ScratchGuard {
  std::filesystem::path folder;
  ~ScratchGuard() {
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
  }
};

BenchResult bench_train(const Args& args, const ModelConfig& model,
                        std::vector<std::string>& notes) {
  const TrainConfig config = bench_train_config(args, model);
  TrainOptions options;
  options.dist = join_dist_group(args, args.get("device"));
  // A folder of its own, removed after: concurrent benches shared one, and
  // each left its event file there.
  const std::filesystem::path scratch = bench_scratch_folder();
  const ScratchGuard remove_after{scratch};
  options.out_dir = scratch.string();
  options.tensorboard = false;
  options.device = args.get("device");
  options.save_final = false;
  options.probe_threads = threads_automatic();
  if (resolve_device(options.device).is_cpu())
    require_batch_fits(config, available_host_memory_bytes(), "--batch");
  Trainer trainer(config, options);
  const bool rank0 = !options.dist || options.dist->rank() == 0;
  StepTimer timer(args.get_int("warmup"), config.total_steps, args.get_or("profile", ""), rank0);
  const TrainSummary summary = trainer.run(timer);
  if (summary.stopped_early) {
    BenchResult stopped;
    stopped.stopped = true;
    return stopped;
  }
  notes.insert(notes.end(), timer.messages().begin(), timer.messages().end());
  const double steps = static_cast<double>(args.get_int("steps"));
  BenchResult r;
  r.rank_img_per_s = r.img_per_s = steps * config.batch_size / timer.seconds();
  r.step_ms = 1e3 * timer.seconds() / steps;
  if (DistGroup* group = options.dist.get()) {
    std::vector<at::Tensor> rate{torch::tensor({r.rank_img_per_s}, torch::kFloat64)};
    group->allreduce_mean(rate);
    r.world_size = group->world_size();
    r.img_per_s = rate[0].item<double>() * r.world_size;
    r.allreduce_ms = 1e3 * summary.allreduce_seconds / static_cast<double>(summary.step);
    r.silent = group->rank() != 0;
  }
  return r;
}

// Forward passes (masking, encoder, decoder, loss) under no_grad, one batch
// at a time with a sync after each: latency, as the reconstruction view sees it.
BenchResult bench_infer(const Args& args, const ModelConfig& config) {
  const torch::Device device = resolve_device(args.get("device"));
  if (device.is_cpu())
    require_forward_fits(config, args.get_int("batch"), available_host_memory_bytes(), "--batch");
  MaskedAutoencoderViT model(config);
  model->to(device);
  model->eval();
  cuda_reset_peak_memory(); // after the first CUDA allocation: the allocator starts lazily
  torch::NoGradGuard no_grad;
  const int64_t B = args.get_int("batch"), g = config.grid_size();
  const auto imgs = torch::randn({B, config.in_chans, config.img_size, config.img_size},
                                 torch::TensorOptions().device(device));
  const bool bf16 = device.is_cuda() && !args.flag_set("fp32");
  std::vector<double> ms;
  const int64_t warmup = args.get_int("warmup"), steps = args.get_int("steps");
  const std::string profile = args.get_or("profile", "");
  std::unique_ptr<OpTrace> trace;
  MaskSettings mask;
  mask.ratio = config.mask_ratio;
  BenchProgress progress(warmup + steps, true);
  for (int64_t i = 0; i < warmup + steps && !interrupted(); ++i) {
    if (i == warmup && !profile.empty())
      trace = std::make_unique<OpTrace>(profile);
    const auto t = Clock::now();
    mask.seed = static_cast<uint64_t>(i);
    const auto scores = mask_scores(mask, B, g, g);
    {
      CudaAutocast autocast(device, bf16);
      model->forward(imgs, scores.to(device), mask.num_kept(g, g));
    }
    cuda_synchronize();
    if (i >= warmup)
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    progress.step_done(i + 1);
  }
  if (trace)
    trace->stop();
  if (ms.empty())
    return {}; // interrupted
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  return {1e3 * static_cast<double>(B) / median, median};
}

// How fast the input pipeline alone delivers augmented, normalised batches.
BenchResult bench_data(const Args& args, const ModelConfig& model,
                       std::vector<std::string>& notes) {
  const TrainConfig config = bench_train_config(args, model);
  const auto data = open_dataset(config.data);
  BatchSource source(*data, config.loader(),
                     static_cast<int64_t>(data->size()) / config.batch_size + 1,
                     resolve_device(args.get("device")), 0);
  notes.push_back("data:     " + data->describe());
  notes.push_back("batches:  " + source.describe());
  const int64_t warmup = args.get_int("warmup"), steps = args.get_int("steps");
  Clock::time_point start;
  BenchProgress progress(warmup + steps, true);
  for (int64_t i = 0; i < warmup + steps && !interrupted(); ++i) {
    if (i == warmup) {
      cuda_synchronize();
      start = Clock::now();
    }
    source.next();
    progress.step_done(i + 1);
  }
  cuda_synchronize();
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  return {static_cast<double>(steps * config.batch_size) / s, 1e3 * s / static_cast<double>(steps)};
}

// The residual add + LayerNorm alone, forward and backward, at the model's
// encoder and decoder shapes: ATen's add, layer_norm and cast to bf16 against
// add_layer_norm_fused (the --fused-norm kernels on CUDA). GB/s counts the
// bytes the fused op must move: 12 per element forward, 16 backward.
void bench_norm(const Args& args, const ModelConfig& model) {
  const torch::Device device = resolve_device(args.get("device"));
  const int64_t B = args.get_int("batch"), L = model.num_patches();
  const int64_t warmup = args.get_int("warmup"), steps = args.get_int("steps");
  const struct {
    const char* stack;
    int64_t rows, cols;
  } shapes[] = {{"encoder", B * (1 + num_kept(L, model.mask_ratio)), model.embed_dim},
                {"decoder", B * (1 + L), model.decoder_embed_dim}};
  const bool kernels = device.is_cuda() && fused_norm_kernels_built();
  for (const auto& shape : shapes) {
    const auto f32 = torch::TensorOptions().device(device).dtype(torch::kFloat32);
    const auto x = torch::randn({shape.rows, shape.cols}, f32).requires_grad_(true);
    const auto delta = torch::randn({shape.rows, shape.cols}, f32).to(torch::kBFloat16);
    delta.requires_grad_(true);
    const auto weight = torch::ones({shape.cols}, f32).requires_grad_(true);
    const auto bias = torch::zeros({shape.cols}, f32).requires_grad_(true);
    const auto d_stream = torch::randn_like(x), d_normed = torch::randn_like(delta);
    const std::vector<torch::Tensor> inputs{x, delta, weight, bias};
    const auto aten = [&] {
      const auto stream = x + delta;
      const auto normed = torch::layer_norm(stream, {shape.cols}, weight, bias, 1e-6);
      torch::autograd::grad({stream, normed.to(torch::kBFloat16)}, inputs, {d_stream, d_normed});
    };
    const auto fused = [&] {
      const auto r = add_layer_norm_fused(x, delta, weight, bias, 1e-6);
      torch::autograd::grad({r.stream, r.normed}, inputs, {d_stream, d_normed});
    };
    const auto time_ms = [&](const std::function<void()>& op) {
      for (int64_t i = 0; i < warmup; ++i)
        op();
      cuda_synchronize();
      const auto start = Clock::now();
      for (int64_t i = 0; i < steps; ++i)
        op();
      cuda_synchronize();
      return std::chrono::duration<double, std::milli>(Clock::now() - start).count() /
             static_cast<double>(steps);
    };
    const double aten_ms = time_ms(aten), fused_ms = time_ms(fused);
    const double gb = 28.0 * static_cast<double>(shape.rows * shape.cols) / 1e9;
    std::printf("add + LayerNorm, %s %lld x %lld: ATen %.3f ms (%.0f GB/s), fused %s %.3f ms (%.0f "
                "GB/s): %.2fx\n",
                shape.stack, static_cast<long long>(shape.rows), static_cast<long long>(shape.cols),
                aten_ms, gb / aten_ms * 1e3, kernels ? "kernels" : "in ATen ops", fused_ms,
                gb / fused_ms * 1e3, aten_ms / fused_ms);
  }
}

// The table row and the JSON line of one measurement.
void print_result(const Args& args, const ModelConfig& model, const std::string& label,
                  const BenchResult& r) {
  const std::string mode = args.get("mode");
  const double flops = mode == "train" ? mae_train_flops(model, model.mask_ratio)
                                       : mae_forward_flops(model, model.mask_ratio);
  const double tflops = mode == "data" ? 0.0 : r.img_per_s * flops / 1e12;
  const double peak = args.get_double("peak-tflops");
  const torch::Device resolved = resolve_device(args.get("device"));
  const std::string device = device_description(resolved);
  const std::string card = cuda_device_name();
  const double mem_gib = static_cast<double>(cuda_peak_memory_bytes()) / (1 << 30);
  // The peak is a card's (an H200's bf16 by default): of a CPU it says nothing.
  const bool on_card = resolved.is_cuda();
  char share[16] = "";
  if (on_card)
    std::snprintf(share, sizeof share, "%5.1f%%", 100 * tflops / peak);
  std::printf("%-12s %-24s %-5s batch %4lld  %9.1f img/s  %8.2f ms/step  %6.2f GiB  %6.1f TFLOP/s  "
              "%s\n",
              "mae-studio", label.c_str(), mode.c_str(), args.get_int("batch"), r.img_per_s,
              r.step_ms, mem_gib, tflops, share);
  std::string impl = "mae-studio";
  if (args.flag_set("no-graph"))
    impl += "-nograph";
  if (args.get_or("attention", "auto") != "auto")
    impl += "-" + args.get("attention");
  if (args.get_or("fused-norm", "off") == "on")
    impl += "-fusednorm";
  nlohmann::json line = {{"impl", impl},
                         {"arch", label},
                         {"mode", mode},
                         {"batch", args.get_int("batch")},
                         {"data", args.get("data")},
                         {"img_per_s", r.img_per_s},
                         {"step_ms", r.step_ms},
                         {"peak_mem_gib", mem_gib},
                         {"tflops", tflops},
                         {"device", card.empty() ? device : card}};
  if (on_card)
    line["pct_peak"] = 100 * tflops / peak;
  if (r.world_size > 1) {
    line["world_size"] = r.world_size;
    line["img_per_s_per_rank"] = r.rank_img_per_s;
    line["allreduce_ms_per_step"] = r.allreduce_ms;
    std::printf("%d ranks: %.1f img/s in total, %.1f img/s on rank 0, gradient averaging "
                "%.2f ms a step\n",
                r.world_size, r.img_per_s, r.rank_img_per_s, r.allreduce_ms);
  }
  std::printf("%s\n", line.dump().c_str());
}

} // namespace

int run_bench(int argc, const char* const* argv) {
  Args args(
      "bench",
      "Measure training (real `mae train` steps: data, forward, backward, AdamW), inference\n"
      "(batched forward latency) or the input pipeline alone. Prints a table row and a JSON line\n"
      "with img/s, step ms, peak GPU memory, model TFLOP/s (forward + backward = 3x forward) and,\n"
      "on a card, the share of --peak-tflops. On the CPU, --mode train in one process without\n"
      "--threads or $MAE_THREADS first times a step at the automatic thread count and at one,\n"
      "and measures the faster.");
  args.option("mode", "train|infer|data|norm",
              "what to measure (norm: the residual add + LayerNorm alone, ATen against "
              "--fused-norm's kernels)",
              "train")
      .option("arch", "NAME", "architecture from configs/models/", "mae_vit_base_patch16")
      .option("model-config", "FILE.json", "architecture file instead of --arch")
      .option("batch", "N", "images per step", "256")
      .range(1, 65536)
      .option("steps", "N", "timed steps", "30")
      .range(1, 1000000)
      .option("warmup", "N", "untimed steps first", "10")
      .range(0, 1000000)
      .option("data", "synthetic|fmnist|shards:DIR",
              "training and data modes: where images come from", "synthetic")
      .option("workers", "N", "data-loading threads (host streaming only)", "4")
      .range(0, 64)
      .option("peak-tflops", "T", "the card's bf16 peak for the percentage", "790")
      .option("profile", "FILE.json",
              "train and infer modes: write a Chrome trace of the timed steps (" +
                  OpTrace::describe() + "); the profiler slows the steps it records")
      .flag("fp32", "train or infer in float32 instead of bf16 autocast (CUDA)")
      .flag("no-graph", "train without capturing the step as a CUDA graph");
  add_dist_options(args, "benchmark training (--mode train)");
  if (!parse_command(args, argc, argv, kOutput | kThreads | kDevice))
    return 0;
  check_dist_options(args);
  if (args.has("nproc") && args.get("mode") != "train")
    throw UsageError("--nproc times data-parallel training: only with --mode train");
  const std::string mode = args.get("mode");
  if (args.has("profile") && mode != "train" && mode != "infer")
    throw UsageError("--profile traces --mode train or infer, not " + mode);
  if (args.has("profile"))
    check_output_file(args, "profile", {".json"}, {});
  if (args.has("model-config") && args.has("arch"))
    throw UsageError("give --arch or --model-config, not both");
  if (!(args.get_double("peak-tflops") > 0))
    throw UsageError("--peak-tflops must be positive, got " + args.get("peak-tflops"));
  if (const std::optional<int> code = launch_if_asked(args, "bench", argc, argv, {}, {}))
    return *code;
  ModelConfig model = args.has("model-config") ? load_model_config(args.get("model-config"))
                                               : builtin_model_config(args.get("arch"));
  // Their ranges checked before anything is allocated or timed.
  for (const char* name : {"batch", "steps", "warmup"})
    args.get_int(name);
  if (mode == "norm") {
    bench_norm(args, model);
    return 0;
  }
  const std::string label = args.has("model-config")
                                ? std::filesystem::path(args.get("model-config")).stem().string()
                                : args.get("arch");
  std::vector<std::string> notes;
  BenchResult r;
  catch_interrupt(); // Ctrl-C: stop between steps; the scratch folder is removed
  if (mode == "train")
    r = bench_train(args, model, notes);
  else if (mode == "infer")
    r = bench_infer(args, model);
  else if (mode == "data")
    r = bench_data(args, model, notes);
  else
    throw UsageError("--mode must be train, infer, data or norm");
  if (interrupted() || r.stopped) { // here, or on another rank
    std::fprintf(stderr, "interrupted: nothing measured\n");
    return kStoppedExitCode;
  }
  release_interrupt();
  if (r.silent)
    return 0;
  for (const auto& n : notes)
    std::fprintf(stderr, "%s\n", n.c_str());

  print_result(args, model, label, r);
  return 0;
}

} // namespace mae::cli

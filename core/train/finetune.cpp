#include "train/finetune.h"
#include "train/finetune_state.h"
#include "train/metrics_log.h"
#include "train/tensorboard_log.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/normalization_io.h"
#include "data/augment.h"
#include "data/data_loader.h"
#include "data/dataset.h"
#include "eval/knn_probe.h"
#include "formats/atomic_file.h"
#include "formats/safetensors.h"
#include "model/model_config.h"
#include "model/vit_classifier.h"
#include "runtime/runtime.h"
#include "runtime/seeded_rng.h"
#include "train/layer_decay.h"
#include "train/lr_schedule.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>

namespace mae {
namespace {
namespace fs = std::filesystem;
namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<size_t> subset(const ImageDataset& data, int64_t max, uint64_t seed, uint64_t which) {
  SeededRng rng(seed, RngStream::Finetune, which);
  return sorted_subset(data.size(), static_cast<size_t>(max), rng);
}

// The centre views of data[indices] at the model's size, [N, C, S, S] in [0, 1]:
// small enough at Fashion-MNIST scale to keep whole (60000 x 28 x 28 floats: 188 MB).
torch::Tensor load_images(const ImageDataset& data, const std::vector<size_t>& indices,
                          const ModelConfig& c, const torch::Device& device) {
  std::vector<torch::Tensor> parts;
  for (size_t start = 0; start < indices.size(); start += 4096) {
    const size_t end = std::min(indices.size(), start + 4096);
    const std::vector<size_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(start),
                                    indices.begin() + static_cast<std::ptrdiff_t>(end));
    parts.push_back(crop_resize(eval_batch(data, chunk, false), c.img_size, c.in_chans, device));
  }
  return torch::cat(parts);
}

// Each image shifted by up to `shift` whole pixels and flipped with
// probability 1/2, the uncovered border black: one grid_sample for the batch.
torch::Tensor shift_flip(const torch::Tensor& x, int shift, at::Generator& gen) {
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  const auto flip = torch::rand({B}, gen).lt(0.5).to(torch::kFloat32) * -2 + 1;
  const auto dx = torch::randint(-shift, shift + 1, {B}, gen).to(torch::kFloat32);
  const auto dy = torch::randint(-shift, shift + 1, {B}, gen).to(torch::kFloat32);
  auto theta = torch::zeros({B, 2, 3});
  theta.select(1, 0).select(1, 0).copy_(flip);
  theta.select(1, 1).select(1, 1).fill_(1);
  // In grid units a pixel is 2 / size wide (align_corners false).
  theta.select(1, 0).select(1, 2).copy_(dx * (2.0 / W));
  theta.select(1, 1).select(1, 2).copy_(dy * (2.0 / H));
  const auto grid = F::affine_grid(theta.to(x.device()), {B, x.size(1), H, W}, false);
  return F::grid_sample(x, grid,
                        F::GridSampleFuncOptions()
                            .mode(torch::kNearest)
                            .padding_mode(torch::kZeros)
                            .align_corners(false));
}

double top1(ViTClassifier& model, const torch::Tensor& images, const torch::Tensor& labels,
            const NormalizationTensors& norm) {
  torch::NoGradGuard no_grad;
  model->eval();
  int64_t correct = 0;
  for (int64_t start = 0; start < images.size(0); start += 1000) {
    const auto logits = model->forward(norm.apply(images.slice(0, start, start + 1000)));
    correct += logits.argmax(1).eq(labels.slice(0, start, start + 1000)).sum().item<int64_t>();
  }
  model->train();
  return static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(1, images.size(0)));
}

// Partial fine-tuning: everything below the last `k` blocks is frozen.
void freeze_below(ViTClassifier& model, int k) {
  const int64_t depth = static_cast<int64_t>(model->encoder->blocks->size());
  if (k < 0 || k >= depth)
    return;
  for (auto& p : model->named_parameters()) {
    const int64_t layer = vit_layer_id(p.key(), depth);
    if (layer <= depth - k)
      p.value().set_requires_grad(false);
  }
}

void refuse_replacing(const FinetuneOptions& o) {
  if (o.out_dir.empty() || o.force || o.resume)
    return;
  std::error_code ec;
  for (const char* name : {kFinetuneResultName, kClassifierName, kFinetuneStateName})
    if (fs::exists(fs::path(o.out_dir) / name, ec))
      throw UsageError(o.out_dir + " already holds a fine-tune (" + name +
                       "): continue a stopped one with --resume " + o.out_dir +
                       ", choose another folder, or replace it with --force");
}

void save_classifier(const std::string& path, ViTClassifier& model) {
  std::vector<torch::Tensor> keep;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, p] : classifier_parameters(model)) {
    keep.push_back(p.detach().to(torch::kCPU, torch::kFloat32).contiguous());
    const auto& t = keep.back();
    entries.push_back({name, DType::F32, t.sizes().vec(), t.data_ptr(),
                       static_cast<size_t>(t.numel()) * sizeof(float)});
  }
  write_safetensors(path, entries, {{"format", "mae-studio classifier"}});
}

nlohmann::json data_json(const DataConfig& d) {
  return {{"type", d.type}, {"path", d.path}, {"val_path", d.val_path}};
}

// A JSON metadata entry of a saved state, CheckpointError when it is missing
// or not JSON (a damaged or hand-edited file).
nlohmann::json metadata_json(const std::map<std::string, std::string>& meta, const char* key,
                             const std::string& path) {
  const auto it = meta.find(key);
  if (it == meta.end())
    throw CheckpointError(path + ": no '" + key + "' in its metadata");
  auto j = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw CheckpointError(path + ": its '" + key + "' metadata is not JSON");
  return j;
}

int64_t saved_step(const std::map<std::string, std::string>& meta, const std::string& path) {
  return metadata_int(meta, "step", path, 0, std::numeric_limits<int64_t>::max());
}

// The accuracies so far into `r`; returns the seconds already spent.
double read_progress(const std::map<std::string, std::string>& meta, const std::string& path,
                     FinetuneResult& r) {
  try {
    r.epoch_top1 = metadata_json(meta, "epoch_top1", path).get<std::vector<double>>();
    r.test_top1 = metadata_json(meta, "test_top1", path).get<double>();
    return metadata_json(meta, "elapsed_s", path).get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(path + ": damaged metadata (" + e.what() + ")");
  }
}

// The saved state to continue from, or none for a fresh start.
std::optional<StateFile> state_to_resume(const FinetuneOptions& o, const FinetuneConfig& cfg,
                                         const std::string& path) {
  if (!o.resume)
    return std::nullopt;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (o.force)
      return std::nullopt;
    throw UsageError("nothing to resume: " + o.out_dir + " holds no " + kFinetuneStateName);
  }
  StateFile state = read_finetune_state(path);
  if (metadata_json(state.metadata, "config", path) != nlohmann::json(cfg) ||
      metadata_json(state.metadata, "data", path) != data_json(o.data)) {
    if (o.force)
      return std::nullopt;
    throw UsageError(path + " was saved with another recipe or data: resume it as it was, or " +
                     "start a new fine-tune in another folder");
  }
  return state;
}

} // namespace

FinetuneResume finetune_resume_info(const std::string& path) {
  std::error_code ec;
  const fs::path file =
      fs::is_directory(path, ec) ? fs::path(path) / kFinetuneStateName : fs::path(path);
  if (!fs::exists(file, ec))
    throw UsageError(path + ": no fine-tune to resume (no " + kFinetuneStateName + ")");
  const StateFile state = read_finetune_state(file.string());
  const auto& meta = state.metadata;
  FinetuneResume r;
  r.out_dir = file.parent_path().empty() ? "." : file.parent_path().string();
  try {
    r.config = metadata_json(meta, "config", file.string()).get<FinetuneConfig>();
    r.config.validate();
    const auto data = metadata_json(meta, "data", file.string());
    r.data.type = data.at("type").get<std::string>();
    r.data.path = data.at("path").get<std::string>();
    r.data.val_path = data.at("val_path").get<std::string>();
    r.model_path = metadata_json(meta, "model", file.string()).get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(file.string() + ": damaged metadata (" + e.what() + ")");
  } catch (const ConfigError& e) {
    throw CheckpointError(file.string() + ": " + e.what());
  }
  r.step = saved_step(meta, file.string());
  r.total_steps =
      metadata_int(meta, "total_steps", file.string(), 1, std::numeric_limits<int64_t>::max());
  const auto arch = meta.find("mae_config");
  if (arch != meta.end())
    r.model_config_json = arch->second;
  return r;
}

FinetuneResult run_finetune(const std::string& model_path, const LoadOptions& load,
                            const FinetuneOptions& o) {
  const FinetuneConfig& cfg = o.config;
  cfg.validate();
  refuse_replacing(o);
  const auto log = [&](const std::string& s) {
    if (o.log)
      o.log(s);
  };
  const torch::Device device = resolve_device(o.device);
  LoadedModel loaded = load_model(model_path, load);
  const ModelConfig& mc = loaded.model->config();
  const Normalization norm = normalization_from_metadata(loaded.metadata, mc.in_chans);

  const auto train = open_dataset(o.data);
  const auto test = open_held_out_dataset(o.data);
  if (!train->labelled())
    throw DataError(train->describe() + " has no labels: fine-tuning needs classes");
  if (!test || !test->labelled())
    throw DataError("fine-tuning reports accuracy on a labelled held-out split (Fashion-MNIST's "
                    "test set, or data val_path)");
  const auto train_idx = subset(*train, cfg.max_train, cfg.seed, 1);
  const auto test_idx = subset(*test, cfg.max_test, cfg.seed, 2);
  FinetuneResult r;
  r.num_classes = static_cast<int64_t>(train->classes().size());
  log("loading " + std::to_string(train_idx.size()) + " training and " +
      std::to_string(test_idx.size()) + " test images");
  const auto x_train = load_images(*train, train_idx, mc, device);
  const auto y_train = dataset_labels(*train, train_idx, device);
  const auto x_test = load_images(*test, test_idx, mc, device);
  const auto y_test = dataset_labels(*test, test_idx, device);
  r.train_count = x_train.size(0);
  r.test_count = x_test.size(0);

  torch::manual_seed(derive_seed(cfg.seed, RngStream::Finetune, 3));
  ViTClassifier model(loaded.model, r.num_classes, cfg.drop_path);
  model->to(device);
  model->train();
  freeze_below(model, cfg.last_blocks);
  const int64_t depth = static_cast<int64_t>(mc.depth);
  const std::vector<LayerGroup> groups =
      layer_decay_groups(*model, depth, cfg.layer_decay, cfg.weight_decay);
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  for (const LayerGroup& g : groups) {
    auto options = std::make_unique<torch::optim::AdamWOptions>(cfg.peak_lr());
    options->betas({0.9, 0.999}).weight_decay(g.weight_decay);
    param_groups.emplace_back(g.params, std::move(options));
    for (const auto& p : g.params)
      r.trainable_params += p.numel();
  }
  for (const auto& p : model->parameters())
    r.total_params += p.numel();
  torch::optim::AdamW optimizer(std::move(param_groups),
                                torch::optim::AdamWOptions(cfg.peak_lr()).betas({0.9, 0.999}));
  const std::string state_path =
      o.out_dir.empty() ? std::string() : (fs::path(o.out_dir) / kFinetuneStateName).string();
  const std::optional<StateFile> resumed = state_to_resume(o, cfg, state_path);
  int64_t start_step = 0;
  double elapsed_before = 0;
  if (resumed) {
    restore_finetune_state(*resumed, state_path, model, optimizer);
    start_step = saved_step(resumed->metadata, state_path);
    elapsed_before = read_progress(resumed->metadata, state_path, r);
  }

  const int64_t n = r.train_count, bs = std::min<int64_t>(cfg.batch_size, n);
  const int64_t steps_per_epoch = std::max<int64_t>(1, n / bs);
  r.total_steps = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(cfg.epochs * static_cast<double>(steps_per_epoch))));
  const LrSchedule schedule{
      cfg.peak_lr(), cfg.min_lr,
      std::min(r.total_steps, static_cast<int64_t>(cfg.warmup_epochs * steps_per_epoch)),
      r.total_steps};
  char line[256];
  std::snprintf(line, sizeof line,
                "fine-tuning %s: %lld of %lld parameters train (%s), %lld steps of %lld images, "
                "lr %.2e, layer decay %.2f",
                fs::path(model_path).filename().c_str(), static_cast<long long>(r.trainable_params),
                static_cast<long long>(r.total_params),
                cfg.last_blocks < 0
                    ? "every block"
                    : ("the last " + std::to_string(cfg.last_blocks) + " blocks").c_str(),
                static_cast<long long>(r.total_steps), static_cast<long long>(bs), cfg.peak_lr(),
                cfg.layer_decay);
  log(line);
  const auto start = Clock::now();
  if (start_step > r.total_steps)
    throw CheckpointError(state_path + ": saved at step " + std::to_string(start_step) + " of a " +
                          std::to_string(r.total_steps) + "-step fine-tune");
  if (resumed) {
    r.steps = start_step;
    if (start_step == r.total_steps) {
      log("this fine-tune had already finished");
      r.seconds = elapsed_before;
      return r;
    }
    log("resuming at step " + std::to_string(start_step) + " of " + std::to_string(r.total_steps));
  }

  std::unique_ptr<MetricsLog> metrics;
  std::unique_ptr<TensorBoardLog> tensorboard;
  if (!o.out_dir.empty()) {
    fs::create_directories(o.out_dir);
    metrics = std::make_unique<MetricsLog>((fs::path(o.out_dir) / "metrics.jsonl").string(),
                                           resumed ? start_step : -1);
    if (o.tensorboard && TensorBoardLog::available())
      tensorboard = std::make_unique<TensorBoardLog>(o.out_dir);
  }
  // Everything a resume needs besides the tensors.
  const auto save_state = [&](int64_t step) {
    if (state_path.empty())
      return;
    save_finetune_state(
        state_path, model, optimizer,
        {{"step", std::to_string(step)},
         {"total_steps", std::to_string(r.total_steps)},
         {"config", nlohmann::json(cfg).dump()},
         {"model", nlohmann::json(fs::absolute(model_path).string()).dump()},
         {"data", data_json(o.data).dump()},
         {"mae_config", model_config_json(mc)},
         {"epoch_top1", nlohmann::json(r.epoch_top1).dump()},
         {"test_top1", nlohmann::json(r.test_top1).dump()},
         {"elapsed_s", nlohmann::json(elapsed_before + seconds_since(start)).dump()}});
  };
  const NormalizationTensors norm_t(norm, torch::TensorOptions().device(device));
  const auto loss_options = F::CrossEntropyFuncOptions().label_smoothing(cfg.label_smoothing);
  auto last_report = start;
  double loss_sum = 0;
  int64_t loss_count = 0, reported_step = start_step;
  torch::Tensor order;
  for (int64_t step = start_step; step < r.total_steps; ++step) {
    const int64_t epoch = step / steps_per_epoch, b = step % steps_per_epoch;
    if (b == 0 || step == start_step) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(
          derive_seed(cfg.seed, RngStream::Finetune, 10, static_cast<uint64_t>(epoch)));
      order = torch::randperm(n, gen, torch::kInt64).to(device);
    }
    const auto idx = order.slice(0, b * bs, (b + 1) * bs);
    auto x = x_train.index_select(0, idx);
    if (cfg.augment == "shift_flip") {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(
          derive_seed(cfg.seed, RngStream::Finetune, 11, static_cast<uint64_t>(step)));
      x = shift_flip(x, cfg.shift, gen);
    }
    const double lr = schedule.at(step);
    for (size_t g = 0; g < groups.size(); ++g)
      static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[g].options())
          .lr(lr * groups[g].lr_scale);
    const auto loss = F::cross_entropy(model->forward(norm_t.apply(x)),
                                       y_train.index_select(0, idx), loss_options);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    loss_sum += loss.item<double>();
    ++loss_count;
    r.steps = step + 1;
    const bool epoch_end = (step + 1) % steps_per_epoch == 0 || step + 1 == r.total_steps;
    const bool stop = o.keep_going && !o.keep_going();
    if ((step + 1) % 20 == 0 || epoch_end || stop) {
      TrainProgress p;
      p.step = step + 1;
      p.total_steps = r.total_steps;
      p.epoch = static_cast<double>(step + 1) / static_cast<double>(steps_per_epoch);
      p.loss = loss_sum / static_cast<double>(loss_count);
      p.lr = lr;
      const double dt = seconds_since(last_report);
      p.images_per_s = dt > 0 ? static_cast<double>((p.step - reported_step) * bs) / dt : 0;
      p.steps_per_s = dt > 0 ? static_cast<double>(p.step - reported_step) / dt : 0;
      p.elapsed_s = elapsed_before + seconds_since(start);
      p.eta_s = p.steps_per_s > 0 ? static_cast<double>(r.total_steps - p.step) / p.steps_per_s : 0;
      last_report = Clock::now();
      reported_step = p.step;
      loss_sum = 0;
      loss_count = 0;
      nlohmann::json j = {{"step", p.step},
                          {"epoch", p.epoch},
                          {"loss", *p.loss},
                          {"lr", p.lr},
                          {"img_per_s", p.images_per_s},
                          {"elapsed_s", p.elapsed_s}};
      if (epoch_end) {
        r.test_top1 = top1(model, x_test, y_test, norm_t);
        r.epoch_top1.push_back(r.test_top1);
        j["test_top1"] = r.test_top1;
        std::snprintf(line, sizeof line, "epoch %.3g: loss %.4f, test top-1 %.2f%%", p.epoch,
                      *p.loss, 100.0 * r.test_top1);
        log(line);
      }
      if (metrics)
        metrics->append_line(j.dump());
      if (tensorboard) { // the official main_finetune.py's tags (accuracy in percent)
        tensorboard->scalar("loss", p.step, *p.loss);
        tensorboard->scalar("lr", p.step, p.lr);
        if (epoch_end)
          tensorboard->scalar("perf/test_acc1", p.step, 100.0 * r.test_top1);
      }
      if (o.progress)
        o.progress(p);
    }
    if (stop && step + 1 < r.total_steps) {
      r.stopped_early = true;
      if (!epoch_end)
        r.test_top1 = top1(model, x_test, y_test, norm_t);
    }
    if (epoch_end || r.stopped_early)
      save_state(step + 1);
    if (r.stopped_early)
      break;
  }
  const double this_run = seconds_since(start);
  r.seconds = elapsed_before + this_run;
  r.images_per_s = this_run > 0 ? static_cast<double>((r.steps - start_step) * bs) / this_run : 0;
  if (!o.out_dir.empty()) {
    save_classifier((fs::path(o.out_dir) / kClassifierName).string(), model);
    nlohmann::json j = {{"model", model_path},
                        {"config", cfg},
                        {"result",
                         {{"test_top1", r.test_top1},
                          {"epoch_top1", r.epoch_top1},
                          {"steps", r.steps},
                          {"total_steps", r.total_steps},
                          {"stopped_early", r.stopped_early},
                          {"train_count", r.train_count},
                          {"test_count", r.test_count},
                          {"trainable_params", r.trainable_params},
                          {"seconds", r.seconds},
                          {"img_per_s", r.images_per_s}}}};
    const std::string text = j.dump(2) + "\n";
    write_file_atomic((fs::path(o.out_dir) / kFinetuneResultName).string(), text.data(),
                      text.size());
  }
  return r;
}

} // namespace mae

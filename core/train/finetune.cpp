#include "train/finetune.h"
#include "dist/gradient_reducer.h"
#include "train/finetune_state.h"
#include "train/metrics_log.h"
#include "train/tensorboard_log.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/folder_lock.h"
#include "base/foreign_files.h"
#include "base/name_list.h"
#include "base/plural.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/normalization_io.h"
#include "data/augment.h"
#include "data/data_loader.h"
#include "data/dataset.h"
#include "data/labelled_splits.h"
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

constexpr int64_t kLogEvery = 20; // steps per metrics line, besides each epoch's end

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

int64_t count_correct(ViTClassifier& model, const torch::Tensor& images,
                      const torch::Tensor& labels, const NormalizationTensors& norm) {
  torch::NoGradGuard no_grad;
  model->eval();
  int64_t correct = 0;
  for (int64_t start = 0; start < images.size(0); start += 1000) {
    const auto logits = model->forward(norm.apply(images.slice(0, start, start + 1000)));
    correct += logits.argmax(1).eq(labels.slice(0, start, start + 1000)).sum().item<int64_t>();
  }
  model->train();
  return correct;
}

// Partial fine-tuning: everything below the last `k` blocks is frozen, and
// computes the features it was pre-trained to (no drop path: what trains
// above would learn from features randomly cut short).
void freeze_below(ViTClassifier& model, int k) {
  const int64_t depth = static_cast<int64_t>(model->encoder->blocks->size());
  if (k < 0 || k >= depth)
    return;
  for (auto& p : model->named_parameters()) {
    const int64_t layer = vit_layer_id(p.key(), depth);
    if (layer <= depth - k)
      p.value().set_requires_grad(false);
  }
  for (int64_t i = 0; i < depth - k; ++i)
    model->encoder->blocks[static_cast<size_t>(i)]->as<Block>()->set_drop_path(0.0);
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
  auto j = parse_json_or_discarded(it->second);
  if (j.is_discarded())
    throw CheckpointError(path + ": its '" + key + "' metadata is not JSON");
  return j;
}

int64_t saved_step(const std::map<std::string, std::string>& meta, const std::string& path) {
  return metadata_int(meta, "step", path, 0, std::numeric_limits<int64_t>::max());
}

// The accuracies so far into `r` (one per epoch begun, at most); returns
// the seconds already spent.
double read_progress(const std::map<std::string, std::string>& meta, const std::string& path,
                     int64_t most_epochs, FinetuneResult& r) {
  double elapsed = 0;
  try {
    r.epoch_top1 = metadata_json(meta, "epoch_top1", path).get<std::vector<double>>();
    r.test_top1 = metadata_json(meta, "test_top1", path).get<double>();
    elapsed = metadata_json(meta, "elapsed_s", path).get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(path + ": damaged metadata (" + e.what() + ")");
  }
  const auto fraction = [](double v) { return v >= 0 && v <= 1; };
  if (static_cast<int64_t>(r.epoch_top1.size()) > most_epochs ||
      !std::all_of(r.epoch_top1.begin(), r.epoch_top1.end(), fraction))
    throw CheckpointError(path + ": 'epoch_top1' in its metadata is not at most " +
                          std::to_string(most_epochs) + " accuracies in [0, 1]");
  if (!fraction(r.test_top1))
    throw CheckpointError(path + ": 'test_top1' in its metadata is not an accuracy in [0, 1]");
  if (!(elapsed >= 0 && elapsed < 1e9)) // ~30 years
    throw CheckpointError(path + ": 'elapsed_s' in its metadata is not a time in seconds");
  return elapsed;
}

// A fine-tune's own files, and what a killed one leaves (its lock, a save's
// temporary, its TensorBoard log). Not metrics.jsonl: a pre-training run's
// (or a killed fine-tune's, which --force replaces) would be started over.
bool is_finetune_file(const std::string& name) {
  for (const char* own :
       {kFinetuneResultName, kClassifierName, kFinetuneStateName, kFolderLockName, "curves.png"})
    if (name == own)
      return true;
  return is_tensorboard_event_file(name) || is_temp_name(name);
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
  if (!fs::exists(path, ec)) // a missing input, as a missing model's
    throw CheckpointError("cannot resume from " + path + ": it does not exist");
  if (!fs::exists(file, ec))
    throw CheckpointError(
        path + ": no fine-tune to resume (no " + kFinetuneStateName + ")" +
        (fs::is_directory(path, ec) &&
                 foreign_files(path, is_finetune_file) == std::vector<std::string>{kMetricsName}
             ? "; it holds only a " + std::string(kMetricsName) +
                   ": a fine-tune killed before its first save (a few minutes in), or another "
                   "run's log"
             : ""));
  const StateFile state = read_finetune_state(file.string(), /*with_tensors=*/false);
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

namespace {

// One fine-tune: its data, the classifier and optimizer, the outputs, the
// progress so far. In a distributed run (options.dist) every rank holds the
// whole data and takes its share of each step's global batch; rank 0 alone
// writes.
class FinetuneRun {
public:
  FinetuneRun(const std::string& model_path, const LoadOptions& load, const FinetuneOptions& o);
  FinetuneResult run();

private:
  void log(const std::string& line) const;
  void load_data();
  void build_model();
  void resume_or_start();
  std::string plan_line() const;
  void open_logs();
  // This rank's images and labels of `step`: its slice of the global batch,
  // augmented as the whole global batch is (so 2 ranks of b = 1 of 2b).
  std::pair<torch::Tensor, torch::Tensor> batch(int64_t step);
  double train_step(int64_t step);
  bool agreed_stop();
  double mean_over_ranks(double value);
  double evaluate();
  void read_window(const std::map<std::string, std::string>& meta);
  void refuse_nonfinite(double loss, int64_t step) const;
  void close_window_for_stop(int64_t step);
  void report(int64_t step, double lr, bool epoch_end);
  void save_state(int64_t step);
  void write_outputs();

  const FinetuneOptions& o_;
  const FinetuneConfig& cfg_;
  const std::string model_path_;
  DistGroup* dist_;
  int rank_ = 0, world_ = 1;
  bool writer_ = true;
  torch::Device device_;
  LoadedModel loaded_;
  std::optional<NormalizationTensors> norm_;
  FinetuneResult r_;
  torch::Tensor x_train_, y_train_, x_test_, y_test_, order_;
  ViTClassifier model_{nullptr};
  std::vector<LayerGroup> groups_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<GradientReducer> reducer_;
  std::string state_path_;
  int64_t bs_ = 0, steps_per_epoch_ = 1, start_step_ = 0;
  LrSchedule schedule_;
  double elapsed_before_ = 0;
  Clock::time_point start_, last_report_, last_save_;
  double loss_sum_ = 0;
  int64_t loss_count_ = 0, reported_step_ = 0;
  std::unique_ptr<MetricsLog> metrics_;
  std::unique_ptr<TensorBoardLog> tensorboard_;
  FolderLock folder_lock_;
};

FinetuneRun::FinetuneRun(const std::string& model_path, const LoadOptions& load,
                         const FinetuneOptions& o)
    : o_(o), cfg_(o.config), model_path_(model_path), dist_(o.dist.get()),
      device_(resolve_device(o.device)) {
  cfg_.validate();
  if (dist_) {
    rank_ = dist_->rank();
    world_ = dist_->world_size();
    writer_ = rank_ == 0;
  }
  if (writer_)
    refuse_replacing_finetune(o);
  loaded_ = load_model_to_measure(model_path, load, "fine-tuning",
                                  [&](const std::string& n) { log("note: " + n); });
  norm_.emplace(normalization_from_metadata(loaded_.metadata, loaded_.model->config().in_chans),
                torch::TensorOptions().device(device_));
  load_data();
  build_model();
  resume_or_start();
}

void FinetuneRun::log(const std::string& line) const {
  if (o_.log && writer_)
    o_.log(line);
}

void FinetuneRun::load_data() {
  const ModelConfig& mc = loaded_.model->config();
  const auto [train, test] = open_labelled_splits(o_.data, "fine-tuning");
  const auto train_idx = subset(*train, cfg_.max_train, cfg_.seed, 1);
  const auto test_idx = subset(*test, cfg_.max_test, cfg_.seed, 2);
  if (static_cast<int64_t>(train_idx.size()) < world_)
    throw DataError("fewer training images (" + std::to_string(train_idx.size()) +
                    ") than processes (" + std::to_string(world_) + ")");
  r_.num_classes = static_cast<int64_t>(train->classes().size());
  if (const std::string note = input_conversion_note(*train, train_idx.front(), mc); !note.empty())
    log("note: " + note);
  log("loading " + std::to_string(train_idx.size()) + " training and " +
      std::to_string(test_idx.size()) + " test images");
  x_train_ = load_images(*train, train_idx, mc, device_);
  y_train_ = dataset_labels(*train, train_idx, device_);
  x_test_ = load_images(*test, test_idx, mc, device_);
  y_test_ = dataset_labels(*test, test_idx, device_);
  r_.train_count = x_train_.size(0);
  r_.test_count = x_test_.size(0);
  // Each rank b images a step, the global batch b x ranks.
  bs_ = std::min<int64_t>(cfg_.batch_size, r_.train_count / world_);
  steps_per_epoch_ = std::max<int64_t>(1, r_.train_count / (bs_ * world_));
  r_.total_steps = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(cfg_.epochs * static_cast<double>(steps_per_epoch_))));
  const auto warmup = static_cast<int64_t>(cfg_.warmup_epochs * steps_per_epoch_);
  // The rule's batch is the one trained on: fewer images than batch_size
  // make a smaller batch, and a smaller rate.
  schedule_ = {cfg_.blr * static_cast<double>(bs_ * world_) / 256.0, cfg_.min_lr,
               std::min(r_.total_steps, warmup), r_.total_steps};
}

void FinetuneRun::build_model() {
  torch::manual_seed(derive_seed(cfg_.seed, RngStream::Finetune, 3));
  model_ = ViTClassifier(loaded_.model, r_.num_classes, cfg_.drop_path);
  model_->to(device_);
  model_->train();
  const auto depth = static_cast<int64_t>(model_->encoder->blocks->size());
  if (cfg_.last_blocks > depth) // 100 of 2 trained every block without a word
    throw UsageError("--last-blocks " + std::to_string(cfg_.last_blocks) + ": the model has " +
                     std::to_string(depth) + " blocks");
  freeze_below(model_, cfg_.last_blocks);
  groups_ = layer_decay_groups(*model_, static_cast<int64_t>(loaded_.model->config().depth),
                               cfg_.layer_decay, cfg_.weight_decay);
  const double lr = schedule_.peak_lr; // of the global batch
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  std::vector<torch::Tensor> trained;
  for (const LayerGroup& g : groups_) {
    auto options = std::make_unique<torch::optim::AdamWOptions>(lr);
    options->betas({0.9, 0.999}).weight_decay(g.weight_decay);
    param_groups.emplace_back(g.params, std::move(options));
    for (const auto& p : g.params)
      r_.trainable_params += p.numel();
  }
  for (const auto& p : model_->parameters()) {
    r_.total_params += p.numel();
    if (p.requires_grad())
      trained.push_back(p);
  }
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      std::move(param_groups), torch::optim::AdamWOptions(lr).betas({0.9, 0.999}));
  // DDP's way: gradients averaged in buckets while the backward runs.
  if (dist_)
    reducer_ = std::make_unique<GradientReducer>(*dist_, trained);
}

void FinetuneRun::resume_or_start() {
  state_path_ =
      o_.out_dir.empty() ? std::string() : (fs::path(o_.out_dir) / kFinetuneStateName).string();
  if (const std::optional<StateFile> resumed = state_to_resume(o_, cfg_, state_path_)) {
    check_resume_world_size(resumed->metadata, state_path_, world_);
    restore_finetune_state(*resumed, state_path_, model_, *optimizer_);
    start_step_ = saved_step(resumed->metadata, state_path_);
    if (start_step_ > r_.total_steps)
      throw CheckpointError(state_path_ + ": saved at step " + std::to_string(start_step_) +
                            " of a " + std::to_string(r_.total_steps) + "-step fine-tune");
    elapsed_before_ =
        read_progress(resumed->metadata, state_path_, start_step_ / steps_per_epoch_ + 1, r_);
    read_window(resumed->metadata);
  }
  if (dist_) // rank 0's weights everywhere (equal anyway: same seed, same file)
    broadcast_module(*dist_, *model_);
}

// The losses of the steps after the last metrics line (states from before
// this was saved have none: the resume then logs one shorter window).
void FinetuneRun::read_window(const std::map<std::string, std::string>& meta) {
  if (!meta.count("window_steps"))
    return;
  loss_count_ = metadata_int(meta, "window_steps", state_path_, 0,
                             std::min<int64_t>(start_step_, kLogEvery - 1));
  loss_sum_ = loss_count_ > 0 ? metadata_double(meta, "window_loss_sum", state_path_, 0) : 0;
}

std::string FinetuneRun::plan_line() const {
  const std::string blocks = cfg_.last_blocks < 0 ? std::string("every block")
                             : cfg_.last_blocks == 0
                                 ? std::string("the head and final norms")
                                 : "the last " + count_of(cfg_.last_blocks, "block");
  const std::string ranks =
      world_ > 1 ? " (" + std::to_string(bs_) + " x " + std::to_string(world_) + " ranks)" : "";
  char rates[64];
  std::snprintf(rates, sizeof rates, "lr %.2e, layer decay %.2f", schedule_.peak_lr,
                cfg_.layer_decay);
  return "fine-tuning " + fs::path(model_path_).filename().string() + ": " +
         std::to_string(r_.trainable_params) + " of " + std::to_string(r_.total_params) +
         " parameters train (" + blocks + "), " + count_of(r_.total_steps, "step") + " of " +
         count_of(bs_ * world_, "image") + ranks + ", " + rates;
}

void FinetuneRun::open_logs() {
  if (o_.out_dir.empty() || !writer_)
    return;
  create_folder(o_.out_dir);
  folder_lock_ = FolderLock(o_.out_dir); // before the first file there changes
  remove_stale_temps(o_.out_dir);        // a killed save's half state, say
  metrics_ = std::make_unique<MetricsLog>((fs::path(o_.out_dir) / kMetricsName).string(),
                                          start_step_ > 0 ? start_step_ : -1);
  if (const int damaged = metrics_->damaged_lines())
    log(count_of(damaged, "damaged line") + " of " + kMetricsName +
        " left out (no metrics record)");
  if (o_.tensorboard && TensorBoardLog::available())
    tensorboard_ = std::make_unique<TensorBoardLog>(o_.out_dir);
}

std::pair<torch::Tensor, torch::Tensor> FinetuneRun::batch(int64_t step) {
  const int64_t epoch = step / steps_per_epoch_, b = step % steps_per_epoch_;
  if (b == 0 || !order_.defined()) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(
        derive_seed(cfg_.seed, RngStream::Finetune, 10, static_cast<uint64_t>(epoch)));
    order_ = torch::randperm(r_.train_count, gen, torch::kInt64).to(device_);
  }
  const int64_t global = bs_ * world_;
  const auto idx = order_.slice(0, b * global, (b + 1) * global);
  auto x = x_train_.index_select(0, idx);
  if (cfg_.augment == "shift_flip") {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(
        derive_seed(cfg_.seed, RngStream::Finetune, 11, static_cast<uint64_t>(step)));
    x = shift_flip(x, cfg_.shift, gen);
  }
  const auto mine = [&](const torch::Tensor& t) {
    return t.slice(0, rank_ * bs_, (rank_ + 1) * bs_);
  };
  return {mine(x), mine(y_train_.index_select(0, idx))};
}

double FinetuneRun::train_step(int64_t step) {
  const double lr = schedule_.at(step);
  for (size_t g = 0; g < groups_.size(); ++g)
    static_cast<torch::optim::AdamWOptions&>(optimizer_->param_groups()[g].options())
        .lr(lr * groups_[g].lr_scale);
  const auto [x, y] = batch(step);
  model_->seed_drop_path(derive_seed(cfg_.seed, RngStream::Finetune, 12,
                                     static_cast<uint64_t>(step * world_ + rank_)));
  const auto loss =
      F::cross_entropy(model_->forward(norm_->apply(x)), y,
                       F::CrossEntropyFuncOptions().label_smoothing(cfg_.label_smoothing));
  optimizer_->zero_grad();
  if (reducer_)
    reducer_->arm();
  loss.backward();
  if (reducer_)
    reducer_->finish();
  optimizer_->step();
  loss_sum_ += loss.item<double>();
  ++loss_count_;
  return lr;
}

// A stop asked on any rank (Ctrl-C reaches each) stops them all at this step.
bool FinetuneRun::agreed_stop() {
  const bool stop = o_.keep_going && !o_.keep_going();
  return dist_ ? !dist_->all_true(!stop) : stop;
}

double FinetuneRun::mean_over_ranks(double value) {
  if (!dist_)
    return value;
  std::vector<torch::Tensor> t{torch::full({1}, value, torch::kFloat64)};
  dist_->allreduce_mean(t);
  return t[0].item<double>();
}

// Top-1 on the held-out split, each rank counting its share.
double FinetuneRun::evaluate() {
  const int64_t n = r_.test_count;
  const int64_t begin = n * rank_ / world_, end = n * (rank_ + 1) / world_;
  const double correct =
      count_correct(model_, x_test_.slice(0, begin, end), y_test_.slice(0, begin, end), *norm_);
  const double total = std::round(mean_over_ranks(correct) * world_);
  return total / static_cast<double>(std::max<int64_t>(1, n));
}

// `loss` is a mean over ranks, so every rank stops here together.
void FinetuneRun::refuse_nonfinite(double loss, int64_t step) const {
  if (!std::isfinite(loss))
    throw TrainError("the loss became NaN or infinite by step " + std::to_string(step + 1) +
                     "; fine-tuning stopped and the last saved state" +
                     (state_path_.empty() ? std::string() : " in '" + o_.out_dir + "'") +
                     " is kept. Lower blr or check the model's weights.");
}

// A stop between two metrics lines keeps the open window's losses (the mean
// over ranks, the same on each) for the resume to log the line an unbroken
// run logs.
void FinetuneRun::close_window_for_stop(int64_t step) {
  loss_sum_ = mean_over_ranks(loss_sum_);
  refuse_nonfinite(loss_sum_, step);
}

void FinetuneRun::report(int64_t step, double lr, bool epoch_end) {
  TrainProgress p;
  p.step = step + 1;
  p.total_steps = r_.total_steps;
  p.epoch = static_cast<double>(p.step) / static_cast<double>(steps_per_epoch_);
  p.loss = mean_over_ranks(loss_sum_) / static_cast<double>(loss_count_);
  refuse_nonfinite(*p.loss, step);
  p.lr = lr;
  const double dt = seconds_since(last_report_);
  const int64_t steps = p.step - reported_step_;
  p.images_per_s = dt > 0 ? static_cast<double>(steps * bs_ * world_) / dt : 0;
  p.steps_per_s = dt > 0 ? static_cast<double>(steps) / dt : 0;
  p.elapsed_s = elapsed_before_ + seconds_since(start_);
  p.eta_s = p.steps_per_s > 0 ? static_cast<double>(r_.total_steps - p.step) / p.steps_per_s : 0;
  last_report_ = Clock::now();
  reported_step_ = p.step;
  loss_sum_ = 0;
  loss_count_ = 0;
  nlohmann::json j = {{"step", p.step},
                      {"epoch", p.epoch},
                      {"loss", *p.loss},
                      {"lr", p.lr},
                      {"img_per_s", p.images_per_s},
                      {"elapsed_s", p.elapsed_s}};
  if (epoch_end) {
    r_.test_top1 = evaluate();
    r_.epoch_top1.push_back(r_.test_top1);
    j["test_top1"] = r_.test_top1;
    char line[128];
    std::snprintf(line, sizeof line, "epoch %.3g: loss %.4f, test top-1 %.2f%%", p.epoch, *p.loss,
                  100.0 * r_.test_top1);
    log(line);
  }
  if (metrics_)
    metrics_->append_line(j.dump());
  if (tensorboard_) { // the official main_finetune.py's tags (accuracy in percent)
    tensorboard_->scalar("loss", p.step, *p.loss);
    tensorboard_->scalar("lr", p.step, p.lr);
    if (epoch_end)
      tensorboard_->scalar("perf/test_acc1", p.step, 100.0 * r_.test_top1);
  }
  if (o_.progress && writer_)
    o_.progress(p);
}

// Everything a resume needs besides the tensors.
void FinetuneRun::save_state(int64_t step) {
  last_save_ = Clock::now();
  if (state_path_.empty() || !writer_)
    return;
  save_finetune_state(
      state_path_, model_, *optimizer_,
      {{"step", std::to_string(step)},
       {"total_steps", std::to_string(r_.total_steps)},
       {"world_size", std::to_string(world_)},
       {"config", nlohmann::json(cfg_).dump()},
       {"model", nlohmann::json(fs::absolute(model_path_).string()).dump()},
       {"data", data_json(o_.data).dump()},
       {"mae_config", model_config_json(loaded_.model->config())},
       {"epoch_top1", nlohmann::json(r_.epoch_top1).dump()},
       {"test_top1", nlohmann::json(r_.test_top1).dump()},
       {"elapsed_s", nlohmann::json(elapsed_before_ + seconds_since(start_)).dump()},
       {"window_loss_sum", metadata_text(loss_sum_)},
       {"window_steps", std::to_string(loss_count_)}});
}

void FinetuneRun::write_outputs() {
  if (o_.out_dir.empty() || !writer_)
    return;
  save_classifier((fs::path(o_.out_dir) / kClassifierName).string(), model_);
  nlohmann::json j = {{"model", model_path_},
                      {"config", cfg_},
                      {"result",
                       {{"test_top1", r_.test_top1},
                        {"epoch_top1", r_.epoch_top1},
                        {"steps", r_.steps},
                        {"total_steps", r_.total_steps},
                        {"stopped_early", r_.stopped_early},
                        {"train_count", r_.train_count},
                        {"test_count", r_.test_count},
                        {"trainable_params", r_.trainable_params},
                        {"world_size", world_},
                        {"seconds", r_.seconds},
                        {"img_per_s", r_.images_per_s}}}};
  const std::string text = j.dump(2) + "\n";
  write_file_atomic((fs::path(o_.out_dir) / kFinetuneResultName).string(), text.data(),
                    text.size());
}

FinetuneResult FinetuneRun::run() {
  log(plan_line());
  start_ = last_report_ = last_save_ = Clock::now();
  r_.steps = reported_step_ = start_step_;
  if (start_step_ > 0) {
    if (start_step_ == r_.total_steps) {
      log("this fine-tune had already finished");
      r_.seconds = elapsed_before_;
      return r_;
    }
    log("resuming at step " + std::to_string(start_step_) + " of " +
        std::to_string(r_.total_steps));
  }
  open_logs();
  for (int64_t step = start_step_; step < r_.total_steps; ++step) {
    const double lr = train_step(step);
    r_.steps = step + 1;
    const bool epoch_end = (step + 1) % steps_per_epoch_ == 0 || step + 1 == r_.total_steps;
    const bool stop = agreed_stop();
    const bool log_line = (step + 1) % kLogEvery == 0 || epoch_end;
    if (log_line)
      report(step, lr, epoch_end);
    // Right after a metrics line its loss window is empty: rank 0's own
    // state is the whole one, with no collective call.
    const bool timed_save = log_line && seconds_since(last_save_) >= o_.save_every_s;
    const bool stopping = stop && step + 1 < r_.total_steps;
    if (stopping) {
      close_window_for_stop(step);
      r_.stopped_early = true;
      if (!epoch_end)
        r_.test_top1 = evaluate();
    }
    if (epoch_end || stopping || timed_save)
      save_state(step + 1);
    if (stopping)
      break;
  }
  const double this_run = seconds_since(start_);
  r_.seconds = elapsed_before_ + this_run;
  r_.images_per_s =
      this_run > 0 ? static_cast<double>((r_.steps - start_step_) * bs_ * world_) / this_run : 0;
  write_outputs();
  if (dist_)
    dist_->barrier(); // the others return once rank 0 has written
  return r_;
}

} // namespace

void refuse_replacing_finetune(const FinetuneOptions& o) {
  if (!o.out_dir.empty())
    require_folder_path(o.out_dir);
  if (o.out_dir.empty() || o.force || o.resume)
    return;
  std::error_code ec;
  for (const char* name : {kFinetuneResultName, kClassifierName, kFinetuneStateName})
    if (fs::exists(fs::path(o.out_dir) / name, ec))
      throw UsageError(o.out_dir + " already holds a fine-tune (" + name +
                       "): continue a stopped one with --resume " + o.out_dir +
                       ", choose another folder, or replace it with --force");
  // A pre-training run's folder, a home folder: its metrics.jsonl would be
  // replaced, or a fine-tune's files mixed among the user's.
  const auto others = foreign_files(o.out_dir, is_finetune_file);
  if (others == std::vector<std::string>{kMetricsName})
    throw UsageError(o.out_dir + " holds only a " + kMetricsName +
                     ": a fine-tune killed before its first save (a few minutes in), or another "
                     "run's log: start over there with --force, or choose another folder");
  if (!others.empty())
    throw UsageError(o.out_dir + " is not empty and holds no fine-tune (" +
                     short_name_list(others) +
                     "): choose another folder, or write into this one with --force");
}

FinetuneResult run_finetune(const std::string& model_path, const LoadOptions& load,
                            const FinetuneOptions& o) {
  // The state and finetune.json record these paths as JSON, which holds
  // UTF-8 only: said before training, not as a JSON error after it.
  for (const std::string* path : {&model_path, &o.data.path, &o.data.val_path, &o.out_dir})
    try {
      (void)nlohmann::json(*path).dump();
    } catch (const nlohmann::json::exception&) {
      throw UsageError("fine-tuning records its paths as UTF-8 text, and '" + *path +
                       "' is not: rename it");
    }
  return FinetuneRun(model_path, load, o).run();
}

} // namespace mae

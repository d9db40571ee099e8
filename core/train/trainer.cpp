#include "train/trainer.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/folder_lock.h"
#include "base/name_list.h"
#include "base/plural.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/normalization_io.h"
#include "data/augment.h"
#include "data/batch_source.h"
#include "data/labelled_splits.h"
#include "dist/gradient_reducer.h"
#include "eval/eval_preview.h"
#include "eval/heldout_reconstruction.h"
#ifdef MAE_WITH_OPENCV
#include "data/png_encode.h"
#include "eval/figure.h"
#endif
#include "eval/knn_probe.h"
#include "formats/atomic_file.h"
#include "formats/safetensors.h"
#include "model/flops.h"
#include "runtime/autocast.h"
#include "runtime/host_memory.h"
#include "runtime/runtime.h"
#include "runtime/thread_probe.h"
#include "train/adamw.h"
#include "train/batch_memory.h"
#include "train/cuda_graph_step.h"
#include "train/lr_schedule.h"
#include "train/metrics_log.h"
#include "train/preview_file.h"
#include "train/run_plan.h"
#include "train/state_file.h"
#include "train/tensorboard_log.h"
#include "train/train_state.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace mae {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// What the evaluations at a logged step found.
struct Evaluation {
  std::optional<double> knn, heldout_mse;
};

// Which held-out pictures and masks a best-so-far MSE was measured on: a
// resumed run keeps its best only while they stay the same.
std::string heldout_eval_key(const TrainConfig& c, int64_t pictures) {
  return c.data.val_path + "|" + std::to_string(pictures) + " pictures|" +
         std::to_string(c.recon_eval_masks) + " masks|" + to_string(c.mask_strategy) + " " +
         std::to_string(c.model.mask_ratio) + "|" + std::to_string(c.model.img_size) + " px";
}

// Weights read from a file: NaN or infinite values mean a damaged file, not a start.
void require_finite(const StateDict& weights, const std::string& path) {
  for (const auto& [name, t] : weights)
    if (!torch::isfinite(t).all().item<bool>())
      throw CheckpointError(path + ": weight '" + name + "' holds NaN or infinite values");
}

// Where two configs train differently, the run length and logging aside:
// "blr, normalization/mean" (the first few fields), empty when alike.
std::string recipe_differences(TrainConfig a, TrainConfig b) {
  for (TrainConfig* c : {&a, &b}) {
    c->total_steps = 0;
    c->epochs = 0;
    c->log_every = c->checkpoint_every = c->probe_every = c->recon_eval_every = 0;
    c->num_workers = c->prefetch = 0;
  }
  // "/normalization/mean/0" (an element) and ".../-" (one appended) -> "normalization/mean"
  std::set<std::string> fields;
  for (const auto& op : nlohmann::json::diff(nlohmann::json(a), nlohmann::json(b))) {
    std::string path = op.value("path", "");
    for (size_t slash = path.rfind('/');
         slash != std::string::npos && slash > 0 &&
         (path.substr(slash + 1) == "-" ||
          path.find_first_not_of("0123456789", slash + 1) == std::string::npos);
         slash = path.rfind('/'))
      path.erase(slash);
    if (path.size() > 1)
      fields.insert(path.substr(1));
  }
  return short_name_list({fields.begin(), fields.end()}, 4);
}

// The fields in which `theirs` (a checkpoint's, a model file's) differs from
// `ours` (the config's): "mask_ratio 0.75 there, 0.5 in the config". The
// summaries alone can read the same (neither shows the mask ratio).
std::string model_differences(const ModelConfig& theirs, const ModelConfig& ours) {
  const nlohmann::json a = theirs, b = ours;
  std::string text;
  for (const auto& item : b.items()) {
    const auto there = a.find(item.key());
    if (there == a.end() || *there == item.value())
      continue;
    text += (text.empty() ? "" : ", ") + item.key() + " " + there->dump() + " there, " +
            item.value().dump() + " in the config";
  }
  return text;
}

} // namespace

// Everything the training thread owns. Only that thread touches it.
namespace {

// The preview rows the Training tab shows, for a run followed from another
// process (previews.safetensors) and TensorBoard's image tab.
void publish_previews(Trainer& trainer, const std::string& out_dir, TensorBoardLog* log,
                      int64_t step) {
  const std::vector<ReconstructionPreview> rows = trainer.previews(4);
  if (rows.empty())
    return;
  write_preview_file((fs::path(out_dir) / kPreviewFileName).string(), step, rows);
#ifdef MAE_WITH_OPENCV
  if (log) {
    const Image figure = preview_figure(rows);
    log->image("reconstructions", step, figure.height, figure.width, figure.channels,
               encode_png(figure));
  }
#else
  (void)log;
#endif
}

// A run writes its files in its own folder, replacing them as it goes: one
// that is a link would have what it points to replaced (another run's model).
// A new run removes the old one's checkpoint, models and previews, links
// included; config.json and metrics.jsonl it rewrites, and a run continued
// in place keeps (and may repair) all of them.
void refuse_linked_run_files(const std::string& dir, bool continued_in_place) {
  if (dir.empty())
    return;
  std::vector<const char*> names = {"config.json", kMetricsName};
  if (continued_in_place)
    names.insert(names.end(), std::begin(kReplaceableRunFiles), std::end(kReplaceableRunFiles));
  for (const char* name : names) {
    const fs::path file = fs::path(dir) / name;
    std::error_code ec;
    if (fs::is_symlink(file, ec))
      throw UsageError(file.string() + " is a link to '" + fs::read_symlink(file, ec).string() +
                       "': the run would replace what it points to; put a copy of the file in "
                       "its place, or remove the link");
  }
}

} // namespace

struct Trainer::Impl {
  TrainConfig config;
  TrainOptions options;
  torch::Device device{torch::kCPU};
  std::unique_ptr<ImageDataset> data, held_out;
  TrainingLength length;
  LrSchedule schedule;
  int64_t keep = 0; // patches the encoder sees, from the run's mask settings
  MaskedAutoencoderViT model{nullptr};
  std::unique_ptr<AdamW> optimizer;
  std::unique_ptr<BatchSource> batches;
  // CUDA graph of the step and the static inputs it reads.
  std::unique_ptr<CudaGraphStep> graph;
  torch::Tensor static_images, static_scores;
  std::unique_ptr<MetricsLog> metrics;
  std::unique_ptr<TensorBoardLog> tensorboard; // rank 0, when asked and built with protobuf
  FolderLock folder_lock;                      // rank 0's, while it writes the run folder
  std::vector<std::string> notes;

  int64_t step = 0;
  int64_t skipped_steps = 0;
  int64_t last_saved_step = -1;
  int64_t last_finite_check = 0; // the step the last non-finite check passed at

  // The k-NN probe's fixed subsets; query_data is held_out or data.
  const ImageDataset* query_data = nullptr;
  std::vector<size_t> bank_indices, query_indices;

  // recon_eval_every (rank 0): the held-out pictures and masks, Telea's error
  // on them, and the best MSE so far with its step.
  std::unique_ptr<HeldOutReconstruction> recon;
  std::optional<double> telea_mse, best_mse;
  int64_t best_step = 0;
  std::string recon_key;

  // Since the last report, on the device: summing there avoids a host sync per step.
  torch::Tensor loss_sum, nonfinite_steps;
  int64_t window_steps = 0, window_first_step = 0;
  // The logging window a checkpoint was saved in (loss sum, steps, first step):
  // a resumed run logs the same lines as an uninterrupted one.
  struct Window {
    double loss_sum = 0;
    int64_t steps = 0, first_step = 0;
  };
  std::optional<Window> resumed_window;
  Clock::time_point window_start, run_start;
  int64_t run_first_step = 0;
  double last_lr = 0;

  Impl(const TrainConfig& c, const TrainOptions& o);
  void open_data();
  void resume_from(const std::string& path);
  void forget_previous_run();
  void carry_over_history();
  void note_schedule_change(const LrSchedule& before);
  void init_from(const std::string& path);
  void choose_probe_subsets();
  void prepare_recon_eval();
  void keep_if_best(double mse, TrainObserver& observer);
  // Whether an evaluation every `every` steps (0: never) falls on this step.
  bool due(int64_t every) const {
    return every > 0 && (step % every == 0 || step == length.total_steps);
  }
  void train_step();
  bool graph_eligible() const;
  void graph_train_step(double lr);
  torch::Tensor graph_body();
  torch::Tensor micro_loss(const torch::Tensor& images, const torch::Tensor& scores);
  void clip_and_update(std::optional<double> lr);
  void count_step(double lr, const torch::Tensor& step_loss);
  TrainProgress report(const Evaluation& e);
  void check_finite();
  std::map<std::string, std::string> model_metadata() const;
  void reset_window();
  void repair_model_file(const std::string& checkpoint);
  bool chooses_threads() const; // the CPU thread count is probed before the first step
  void choose_threads(TrainObserver& observer);
  int resumed_threads = 0; // the thread count a resumed run saved (0: none)
  double allreduce_seconds = 0;

  DistGroup* dist() const { return options.dist.get(); }
  // Rank 0, or the one process: the one that writes files.
  bool writer() const { return !options.dist || options.dist->rank() == 0; }
  void average_gradients(torch::Tensor& step_loss);
  // Distributed: gradients averaged in buckets during the last backward of a step.
  std::unique_ptr<GradientReducer> reducer;
};

Trainer::Impl::Impl(const TrainConfig& c, const TrainOptions& o) : config(c), options(o) {
  config.validate();
  if (dist()) {
    config.world_size = dist()->world_size();
    config.rank = dist()->rank();
    options.probe_threads = false; // the launcher divides the cores among the ranks
  }
  if (options.out_dir.empty())
    throw UsageError("training needs an output directory");
  device = resolve_device(options.device);
  if (device.is_cpu())
    require_batch_fits(config, available_host_memory_bytes());
  open_data();
  length = training_length(config, data->size());
  schedule = lr_schedule(config, length);
  keep = config.mask_settings().num_kept(config.model.grid_size(), config.model.grid_size());

  // The initial weights depend on the seed alone.
  torch::manual_seed(derive_seed(config.seed, RngStream::Init));
  model = MaskedAutoencoderViT(config.model);
  model->to(device);
  optimizer =
      std::make_unique<AdamW>(weight_decay_groups(*model), AdamWOptions{config.weight_decay});
  if (!options.init.empty())
    init_from(options.init);
  if (writer()) { // before a resume repairs the model file
    std::error_code ec;
    refuse_linked_run_files(options.out_dir, !options.resume.empty() &&
                                                 fs::equivalent(checkpoint_run_dir(options.resume),
                                                                options.out_dir, ec));
  }
  if (!options.resume.empty())
    resume_from(options.resume);
  if (dist()) {
    broadcast_module(*dist(), *model); // they start equal anyway: same seed
    std::vector<torch::Tensor> trained;
    for (auto& p : model->parameters())
      if (p.requires_grad())
        trained.push_back(p);
    reducer = std::make_unique<GradientReducer>(*dist(), trained);
  }
  model->train();

  choose_probe_subsets();
  prepare_recon_eval();
  if (writer()) {
    create_folder(options.out_dir);
    folder_lock = FolderLock(options.out_dir); // before the first file there changes
    if (const int stale = remove_stale_temps(options.out_dir))
      notes.push_back("cleaned:  " + std::to_string(stale) + " temporary files of killed writes");
    forget_previous_run();
    carry_over_history();
    // A finished run resumed under another config trains nothing: its
    // config.json stays the one it trained with.
    const fs::path config_file = fs::path(options.out_dir) / "config.json";
    if (step < length.total_steps || !fs::exists(config_file)) {
      const std::string config_text = train_config_json(config) + "\n";
      write_file_atomic(config_file.string(), config_text.data(), config_text.size());
    }
    metrics = std::make_unique<MetricsLog>((fs::path(options.out_dir) / kMetricsName).string(),
                                           options.resume.empty() ? -1 : step);
    if (const int damaged = metrics->damaged_lines())
      notes.push_back("note:     " + count_of(damaged, "damaged line") + " of " + kMetricsName +
                      " left out (no metrics record)");
    if (options.tensorboard && TensorBoardLog::available()) {
      tensorboard = std::make_unique<TensorBoardLog>(options.out_dir);
      notes.push_back("logs:     " + std::string(kMetricsName) + " and TensorBoard (" +
                      fs::path(tensorboard->path()).filename().string() + ")");
    }
  }
  batches = std::make_unique<BatchSource>(*data, config.loader(),
                                          length.steps_per_epoch * config.accum_iter, device,
                                          step * config.accum_iter);
  notes.push_back("batches:  " + batches->describe());
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  loss_sum = torch::zeros({}, opts);
  nonfinite_steps = torch::zeros({}, opts);
}

void Trainer::Impl::open_data() {
  data = open_dataset(config.data);
  held_out = open_held_out_dataset(config.data);
  notes.push_back("data:     " + data->describe());
  if (held_out)
    notes.push_back("held out: " + held_out->describe());
}

// A new run in a folder that held one (--force, or the app's Replace): the
// old run's checkpoint, models and previews are set aside (kReplacedSuffix)
// and its events go before its config and metrics are replaced, so that a
// kill before the first checkpoint leaves no folder of two runs that
// --resume would take for one, and the old run can still be had back.
void Trainer::Impl::forget_previous_run() {
  const fs::path dir(options.out_dir);
  std::error_code ec;
  if (!options.resume.empty() && fs::equivalent(options.resume, dir / kTrainStateName, ec))
    return; // continuing in place
  bool set_aside = false;
  for (const char* name : kReplaceableRunFiles) {
    const fs::path file = dir / name;
    if (!fs::exists(file, ec))
      continue;
    fs::rename(file, file.string() + kReplacedSuffix, ec);
    if (ec)
      throw CheckpointError("cannot set the previous run's " + file.string() +
                            " aside: " + ec.message());
    set_aside = true;
  }
  if (set_aside)
    notes.push_back("replaced: the previous run's checkpoint and models stay as *" +
                    std::string(kReplacedSuffix) + " until this run's first checkpoint");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind("events.out.tfevents.", 0) == 0)
      fs::remove(it->path(), ec);
}

// Resumed into another folder (--resume A --out B): B gets A's metrics and
// best weights, so that its curves and its best model are the whole run's
// (the summary named a best_model.safetensors B did not have).
void Trainer::Impl::carry_over_history() {
  if (options.resume.empty())
    return;
  const fs::path from = fs::path(options.resume).parent_path(), to(options.out_dir);
  std::error_code ec;
  if (fs::equivalent(from.empty() ? "." : from, to, ec))
    return;
  const auto copy = [&](const char* name) {
    std::ifstream in(from / name, std::ios::binary);
    if (!in)
      return false;
    write_file_atomic((to / name).string(), [&](std::ostream& out) {
      if (in.peek() != std::ifstream::traits_type::eof()) // << of nothing fails the stream
        out << in.rdbuf();
    });
    return true;
  };
  if (copy(kMetricsName))
    notes.push_back("history:  " + std::string(kMetricsName) + " up to step " +
                    std::to_string(step) + " from " + from.string());
  if (best_mse && !copy(kBestModelName)) {
    notes.push_back("recon:    " + (from / kBestModelName).string() +
                    " is missing: the best weights start over");
    best_mse.reset();
  }
}

void Trainer::Impl::resume_from(const std::string& path) {
  const TrainState state = read_train_state(path);
  auto model_text = state.metadata.find("mae_config");
  if (model_text == state.metadata.end())
    throw CheckpointError(path + ": no 'mae_config' in the training state");
  const ModelConfig saved = parse_model_config(model_text->second, path);
  if (saved != config.model)
    throw TrainError("cannot resume from '" + path + "': its model differs from the config's (" +
                     model_differences(saved, config.model) + ")");
  auto seed = state.metadata.find("seed");
  if (seed == state.metadata.end() || seed->second != std::to_string(config.seed))
    throw TrainError("cannot resume from '" + path +
                     "' with another seed: the data order and masks would change");
  step = metadata_int(state.metadata, "step", path, 0, kMaxTrainSteps);
  if (step > length.total_steps) // else it would "finish" at once with a shorter config saved
    throw UsageError(path + " was saved at step " + std::to_string(step) + ", beyond this run's " +
                     count_of(length.total_steps, "step") + ": give --steps " +
                     std::to_string(step) + " or more to go on");
  skipped_steps = metadata_int(state.metadata, "skipped_steps", path, 0, step);
  check_resume_world_size(state.metadata, path, config.world_size);
  if (state.metadata.count("cpu_threads"))
    resumed_threads = static_cast<int>(metadata_int(state.metadata, "cpu_threads", path, 1, 1024));
  const int64_t optimizer_steps = metadata_int(state.metadata, "optimizer_steps", path, 0, step);
  const StateDict weights(state.model.begin(), state.model.end());
  require_finite(weights, path);
  load_state_dict(model, weights, path);
  try {
    optimizer->load_state(state.optimizer, optimizer_steps);
  } catch (const TrainError& e) {
    throw CheckpointError(path + ": " + e.what());
  }
  last_saved_step = step;
  last_finite_check = step;
  if (state.metadata.count("window_steps")) {
    Window w;
    w.first_step = metadata_int(state.metadata, "window_first_step", path, 0, step);
    w.steps = metadata_int(state.metadata, "window_steps", path, 0, step - w.first_step);
    w.loss_sum = metadata_double(state.metadata, "window_loss_sum", path, 0);
    resumed_window = w;
  }
  if (state.metadata.count("best_heldout_mse") && state.metadata.count("heldout_eval")) {
    const std::optional<double> best = metadata_number(state.metadata, "best_heldout_mse");
    if (best && *best >= 0) { // else the best starts over
      recon_key = state.metadata.at("heldout_eval");
      best_mse = *best;
      best_step = metadata_int(state.metadata, "best_heldout_step", path, 0, step);
    }
  }
  if (writer())
    repair_model_file(path);
  restore_cpu_rng(state.torch_cpu_rng, path);
  auto saved_config = state.metadata.find("train_config");
  if (saved_config != state.metadata.end()) {
    const TrainConfig saved_recipe = parse_train_config(saved_config->second, path);
    const std::string changed = recipe_differences(saved_recipe, config);
    if (!changed.empty())
      notes.push_back("note:     the config differs from the checkpoint's in " + changed +
                      "; continuing with the new one");
    note_schedule_change(lr_schedule(saved_recipe, training_length(saved_recipe, data->size())));
  }
  notes.push_back("resumed:  " + path + " at step " + std::to_string(step));
  if (step == length.total_steps && options.note_finished)
    notes.push_back("note:     the run had finished its " + count_of(step, "step") +
                    ": nothing to train (give --steps N, more than " + std::to_string(step) +
                    ", to train on)");
}

// A resumed run of another length has another cosine: its lr jumps from
// where the stopped run was (extending a finished run restarts it from near
// min_lr). Said, so that a bump in the loss curve has a reason.
void Trainer::Impl::note_schedule_change(const LrSchedule& before) {
  if (before.total_steps == schedule.total_steps || step >= length.total_steps)
    return;
  char line[200];
  std::snprintf(line, sizeof line,
                "note:     the lr schedule now spans %lld steps (was %lld): the lr at step %lld "
                "goes from %.3g to %.3g",
                static_cast<long long>(schedule.total_steps),
                static_cast<long long>(before.total_steps), static_cast<long long>(step),
                before.at(step), schedule.at(step));
  notes.push_back(line);
}

// The architecture of `path` must be the config's; mask ratio and loss are the
// run's own. Weights are checked as a resumed checkpoint's are.
void Trainer::Impl::init_from(const std::string& path) {
  if (!options.resume.empty())
    throw UsageError("--init starts a new run from a model's weights and --resume continues a "
                     "run: give one of them");
  LoadOptions unstated; // an official checkpoint has the config's architecture
  unstated.fallback_config = config.model;
  LoadedModel loaded = load_model(path, unstated);
  if (!loaded.model->has_decoder())
    throw UsageError("--init '" + path + "' holds an encoder only: pre-training needs the decoder");
  ModelConfig given = loaded.model->config();
  given.mask_ratio = config.model.mask_ratio;
  given.norm_pix_loss = config.model.norm_pix_loss;
  if (given != config.model)
    throw UsageError("--init '" + path + "' holds another architecture than the config's (" +
                     model_differences(given, config.model) + ")");
  const StateDict weights = model_state_dict(loaded.model);
  require_finite(weights, path);
  load_state_dict(model, weights, path);
  notes.push_back("init:     the weights of " + path + " (" + to_string(loaded.format) + ")");
}

// A kill between the checkpoint's write and the model file's leaves the model
// file a save behind: rewrite it from the resumed weights.
void Trainer::Impl::repair_model_file(const std::string& checkpoint) {
  const fs::path dir = checkpoint_run_dir(checkpoint);
  const std::string model_file = dir / kTrainModelName;
  std::error_code ec;
  // Only the run being continued in place: another folder is not ours to write.
  if (!fs::equivalent(dir, options.out_dir, ec) || !fs::exists(model_file, ec))
    return;
  std::string saved_step;
  try {
    const auto meta = read_safetensors(model_file).metadata;
    auto it = meta.find("step");
    saved_step = it == meta.end() ? "" : it->second;
  } catch (const Error&) {
    // unreadable (cut short by the crash): rewritten below
  }
  if (saved_step == std::to_string(step))
    return;
  auto metadata = model_metadata();
  metadata["step"] = std::to_string(step);
  save_model(model_file, model, metadata);
  notes.push_back("repaired: " + model_file + " (it was not at the checkpoint's step)");
}

void Trainer::Impl::choose_probe_subsets() {
  if (!data->labelled()) {
    if (config.probe_every > 0)
      notes.push_back("probe:    off (the data has no labels)");
    return;
  }
  SeededRng rng(config.seed, RngStream::Probe);
  const auto bank_size = static_cast<size_t>(config.probe_bank_size);
  const auto query_size = static_cast<size_t>(config.probe_query_size);
  const std::string mismatch =
      held_out && held_out->labelled() ? class_mismatch(*data, *held_out) : "";
  if (!mismatch.empty())
    notes.push_back("probe:    " + mismatch + ": the k-NN queries are training images instead");
  if (held_out && held_out->labelled() && mismatch.empty()) {
    bank_indices = sample_indices(data->size(), bank_size, rng);
    query_data = held_out.get();
    query_indices = sample_indices(held_out->size(), query_size, rng);
  } else {
    // No held-out split: disjoint subsets of the training images.
    auto both = sample_indices(data->size(), bank_size + query_size, rng);
    const size_t bank = std::min(bank_size, both.size() / 2);
    bank_indices.assign(both.begin(), both.begin() + static_cast<std::ptrdiff_t>(bank));
    query_indices.assign(both.begin() + static_cast<std::ptrdiff_t>(bank), both.end());
    query_data = data.get();
  }
  if (config.probe_every > 0)
    notes.push_back("probe:    k-NN (k=" + std::to_string(config.probe_k) +
                    ", mean patch token) of " + std::to_string(query_indices.size()) +
                    " held-out images against " + std::to_string(bank_indices.size()) +
                    " training images");
}

void Trainer::Impl::prepare_recon_eval() {
  if (config.recon_eval_every == 0)
    return;
  require_field(held_out != nullptr, "recon_eval_every",
                "the held-out reconstruction needs held-out pictures: set data.val_path to a "
                "folder or a `mae pack` output");
  if (!writer())
    return;
  SeededRng rng(0, RngStream::Preview); // the same pictures for every run on this data
  const auto indices =
      sorted_subset(held_out->size(), static_cast<size_t>(config.recon_eval_images), rng);
  const auto images = crop_resize(eval_batch(*held_out, indices, device.is_cuda()),
                                  config.model.img_size, config.model.in_chans, device);
  recon =
      std::make_unique<HeldOutReconstruction>(images, config.normalization, config.mask_settings(),
                                              config.recon_eval_masks, config.model.patch_size);
  telea_mse = recon->telea_mse();
  const std::string key = heldout_eval_key(config, recon->pictures());
  if (best_mse && key != recon_key) {
    notes.push_back("recon:    the held-out pictures or masks changed since the checkpoint: the "
                    "best weights start over");
    best_mse.reset();
  }
  recon_key = key;
  std::ostringstream s;
  s << "recon:    held-out masked-region MSE of " << recon->pictures() << " pictures x "
    << recon->masks() << " masks every " << config.recon_eval_every
    << " steps; the best weights go to " << kBestModelName;
  notes.push_back(s.str());
  if (telea_mse) {
    s.str("");
    s << "recon:    Telea inpainting of the same masks: " << *telea_mse;
    notes.push_back(s.str());
  }
}

// A lower held-out MSE than any before: its weights replace best_model.safetensors.
void Trainer::Impl::keep_if_best(double mse, TrainObserver& observer) {
  if (!std::isfinite(mse) || (best_mse && !(mse < *best_mse)))
    return;
  best_mse = mse;
  best_step = step;
  auto metadata = model_metadata();
  metadata["step"] = std::to_string(step);
  metadata["heldout_masked_mse"] = metadata_text(mse);
  metadata["heldout_eval"] = recon_key;
  save_model((fs::path(options.out_dir) / kBestModelName).string(), model, metadata);
  char line[128];
  std::snprintf(line, sizeof line, "best:     step %lld, held-out masked MSE %.5f",
                static_cast<long long>(step), mse);
  observer.on_message(line);
}

void Trainer::Impl::reset_window() {
  loss_sum.zero_();
  window_steps = 0;
  window_first_step = step;
  window_start = Clock::now();
}

// One micro-batch's loss, in float32 (bf16 autocast on CUDA).
torch::Tensor Trainer::Impl::micro_loss(const torch::Tensor& images, const torch::Tensor& scores) {
  CudaAutocast autocast(device, config.bf16);
  return model->forward(images, scores, keep).loss.to(torch::kFloat32);
}

// Clips (when configured) and applies AdamW; without `lr`, the fused update
// of a CUDA graph, whose lr already sits on the device.
void Trainer::Impl::clip_and_update(std::optional<double> lr) {
  if (config.clip_grad > 0)
    clip_grad_norm(optimizer->groups(), config.clip_grad);
  if (lr)
    optimizer->step(*lr);
  else
    optimizer->fused_update();
}

// A finished step: its loss joins the logging window; non-finite losses are
// counted on the device, without a host sync.
void Trainer::Impl::count_step(double lr, const torch::Tensor& step_loss) {
  ++step;
  last_lr = lr;
  nonfinite_steps.add_(torch::isfinite(step_loss).logical_not());
  loss_sum.add_(step_loss);
  ++window_steps;
}

// One optimizer step: accum_iter forward/backward passes, then AdamW.
void Trainer::Impl::train_step() {
  const double lr = schedule.at(step);
  if (graph_eligible())
    return graph_train_step(lr);
  optimizer->zero_grad();
  torch::Tensor step_loss;
  for (int i = 0; i < config.accum_iter; ++i) {
    DeviceBatch batch = batches->next();
    if (options.poison_step && options.poison_step(step))
      batch.images = batch.images * std::numeric_limits<float>::quiet_NaN();
    const torch::Tensor loss = micro_loss(batch.images, batch.scores);
    if (reducer && i + 1 == config.accum_iter)
      reducer->arm(); // the last micro-batch: its backward starts the averaging
    (loss / config.accum_iter).backward();
    step_loss = i == 0 ? loss.detach() : step_loss + loss.detach();
  }
  step_loss = step_loss / config.accum_iter;
  if (dist())
    average_gradients(step_loss); // once per optimizer step, not per micro-batch
  // The one per-step host sync, only when asked to skip bad steps.
  if (config.skip_nonfinite && !torch::isfinite(step_loss).item<bool>()) {
    ++step;
    last_lr = lr;
    ++skipped_steps;
    return;
  }
  clip_and_update(lr);
  count_step(lr, step_loss);
}

// DDP's semantics: every rank's gradients replaced by their mean (started by
// the reducer during the backward), and the step's loss with them (every rank
// then logs, and skips, the same steps).
void Trainer::Impl::average_gradients(torch::Tensor& step_loss) {
  allreduce_seconds += reducer->finish();
  std::vector<torch::Tensor> loss{step_loss.reshape({1}).clone()};
  allreduce_seconds += dist()->allreduce_mean(loss);
  step_loss = loss.front().reshape({});
}

// A CUDA graph replays fixed kernels on fixed buffers: one micro-batch per
// step, the fused optimizer (its lr and step counters on the device), and no
// host decisions inside the step.
bool Trainer::Impl::graph_eligible() const {
  return config.cuda_graph && !dist() && cuda_graphs_supported() && device.is_cuda() &&
         optimizer->fused() && config.accum_iter == 1 && !config.skip_nonfinite &&
         !options.poison_step;
}

torch::Tensor Trainer::Impl::graph_body() {
  optimizer->zero_grad(); // eager warm-up steps; inside the capture the gradients are unset
  const torch::Tensor loss = micro_loss(static_images, static_scores);
  loss.backward();
  clip_and_update(std::nullopt);
  return loss.detach();
}

void Trainer::Impl::graph_train_step(double lr) {
  const DeviceBatch batch = batches->next();
  if (!graph) {
    static_images = batch.images.clone();
    static_scores = batch.scores.clone();
    const auto reset_grads = [this] {
      for (auto& p : model->parameters())
        p.mutable_grad() = torch::Tensor();
    };
    graph = std::make_unique<CudaGraphStep>([this] { return graph_body(); }, reset_grads);
    notes.push_back("step:     captured as a CUDA graph after 3 eager warm-up steps");
  } else {
    static_images.copy_(batch.images);
    static_scores.copy_(batch.scores);
  }
  optimizer->set_lr(lr);
  const auto step_loss = graph->run();
  optimizer->count_step();
  count_step(lr, step_loss);
}

// Before the first step of a CPU run whose thread count nobody chose: the
// forward and backward of a small synthetic batch at each candidate count.
// The weights, the optimizer and every random stream stay untouched, so the
// run trains exactly as it would have with the chosen count from the start.
bool Trainer::Impl::chooses_threads() const {
  return options.probe_threads && device.is_cpu() && torch::get_num_threads() >= 2 &&
         step < length.total_steps;
}

void Trainer::Impl::choose_threads(TrainObserver& observer) {
  const int most = torch::get_num_threads();
  if (!chooses_threads())
    return;
  if (resumed_threads > 0) {
    torch::set_num_threads(std::min(resumed_threads, most));
    observer.on_message("threads:  " + std::to_string(torch::get_num_threads()) +
                        " (the count this run chose before it was resumed)");
    return;
  }
  // The run's own batch (up to 128): at a small one, a second thread gains
  // too little to show.
  const int64_t B = std::min<int64_t>(config.batch_size, 128), L = config.model.num_patches();
  const int64_t side = config.model.img_size;
  const auto images = torch::full({B, config.model.in_chans, side, side}, 0.5);
  const auto scores = torch::arange(B * L, torch::kFloat32).remainder(L * 0.618).view({B, L});
  const auto probe = probe_threads(
      [&] {
        micro_loss(images, scores).backward();
        optimizer->zero_grad();
      },
      thread_candidates(most));
  observer.on_message("threads:  " + probe.describe());
}

// Reads the device-side count of non-finite steps: the check costs a sync,
// so it runs where one happens anyway (reports, checkpoints, probes).
void Trainer::Impl::check_finite() {
  if (config.skip_nonfinite || nonfinite_steps.item<double>() == 0) {
    last_finite_check = step;
    return;
  }
  const std::string when = step == last_finite_check + 1
                               ? "at step " + std::to_string(step)
                               : "between steps " + std::to_string(last_finite_check + 1) +
                                     " and " + std::to_string(step);
  const std::string kept = last_saved_step >= 0 ? "the last good checkpoint (step " +
                                                      std::to_string(last_saved_step) + ") in '" +
                                                      options.out_dir + "' is kept"
                                                : "no checkpoint had been written";
  throw TrainError("the loss became NaN or infinite " + when + "; training stopped and " + kept +
                   ". Lower blr, set clip_grad, or set skip_nonfinite to skip such steps.");
}

TrainProgress Trainer::Impl::report(const Evaluation& e) {
  check_finite();
  TrainProgress p;
  p.step = step;
  p.total_steps = length.total_steps;
  p.epoch = static_cast<double>(step) / static_cast<double>(length.steps_per_epoch);
  const double window_s = seconds_since(window_start);
  if (window_steps > 0) {
    p.loss = loss_sum.item<double>() / static_cast<double>(window_steps);
    p.lr = last_lr;
    p.steps_per_s = static_cast<double>(step - window_first_step) / std::max(window_s, 1e-9);
    p.images_per_s = p.steps_per_s * static_cast<double>(config.effective_batch());
  }
  p.elapsed_s = seconds_since(run_start);
  const int64_t done = step - run_first_step;
  p.eta_s = done > 0 ? p.elapsed_s / static_cast<double>(done) *
                           static_cast<double>(length.total_steps - step)
                     : 0;
  p.knn_accuracy = e.knn;
  p.heldout_mse = e.heldout_mse;
  p.skipped_images = static_cast<int64_t>(batches->skipped_images());
  p.skipped_steps = skipped_steps;
  if (metrics)
    metrics->append(p);
  if (tensorboard) { // the official main_pretrain.py's tags where it has them
    if (p.loss) {
      tensorboard->scalar("train_loss", p.step, *p.loss);
      tensorboard->scalar("lr", p.step, p.lr);
      tensorboard->scalar("img_per_s", p.step, p.images_per_s);
    }
    if (p.knn_accuracy)
      tensorboard->scalar("knn_acc", p.step, *p.knn_accuracy);
    if (p.heldout_mse)
      tensorboard->scalar("heldout_masked_mse", p.step, *p.heldout_mse);
  }
  reset_window();
  return p;
}

std::map<std::string, std::string> Trainer::Impl::model_metadata() const {
  return {{kNormalizationKey, normalization_to_json(config.normalization)},
          {"train_step", std::to_string(step)},
          {"train_config", train_config_json(config)}};
}

Trainer::Trainer(const TrainConfig& config, const TrainOptions& options)
    : impl_(std::make_unique<Impl>(config, options)) {}
Trainer::~Trainer() = default;

const TrainConfig& Trainer::config() const {
  return impl_->config;
}
const std::string& Trainer::out_dir() const {
  return impl_->options.out_dir;
}
int64_t Trainer::step() const {
  return impl_->step;
}
int64_t Trainer::total_steps() const {
  return impl_->length.total_steps;
}
int64_t Trainer::steps_per_epoch() const {
  return impl_->length.steps_per_epoch;
}

std::vector<std::string> Trainer::describe() const {
  const Impl& m = *impl_;
  const TrainConfig& c = m.config;
  std::vector<std::string> lines = m.notes;
  const int64_t params = count_parameters(*m.model);
  std::ostringstream s;
  s << "model:    " << (c.arch.empty() ? std::string("inline") : c.arch) << ", "
    << c.model.summary() << ", " << params / 1000 << "k parameters";
  lines.push_back(s.str());
  s.str("");
  s << "recipe:   " << m.length.total_steps << " steps (" << m.length.steps_per_epoch
    << " per epoch), batch " << c.batch_size << " x " << c.accum_iter << ", peak lr " << c.peak_lr()
    << ", warmup " << m.length.warmup_steps << " steps, mask " << c.model.mask_ratio << " "
    << to_string(c.mask_strategy) << (c.model.norm_pix_loss ? ", norm-pix loss" : "");
  lines.push_back(s.str());
  if (m.dist())
    lines.push_back("ranks:    " + std::to_string(c.world_size) + " processes (" +
                    m.dist()->backend() + "), global batch " + std::to_string(c.effective_batch()) +
                    " = " + std::to_string(c.batch_size) + " x " + std::to_string(c.accum_iter) +
                    " x " + std::to_string(c.world_size) + " ranks");
  // A count chosen at the start is printed then ("threads:"), not the most it may use.
  lines.push_back(
      "device:   " + (m.chooses_threads() ? std::string("CPU") : device_description(m.device)) +
      (m.device.is_cuda() && c.bf16 ? ", bf16 autocast" : ", float32"));
  lines.push_back("output:   " + m.options.out_dir);
  return lines;
}

namespace {

// Evaluations run on rank 0; the others wait for it at the next collective.
bool probing(const Trainer::Impl& m) {
  return m.config.probe_every > 0 && !m.bank_indices.empty() && m.writer();
}

Evaluation evaluate(Trainer& trainer, Trainer::Impl& m, bool probe_now, bool recon_now,
                    TrainObserver& observer) {
  Evaluation e;
  if (probe_now) {
    e.knn = trainer.probe([&] { return observer.stop_asked(); });
    if (!e.knn && observer.stop_asked()) // not a held-out split with no pictures
      observer.on_message("k-NN probe: abandoned (stopping)");
  }
  if (recon_now)
    e.heldout_mse = trainer.heldout_mse();
  if (e.heldout_mse)
    m.keep_if_best(*e.heldout_mse, observer);
  return e;
}

// The untrained model's numbers, the curves' first point.
void report_start(Trainer& trainer, Trainer::Impl& m, TrainObserver& observer,
                  TrainSummary& summary) {
  if (!(probing(m) || m.recon) || m.step != 0)
    return;
  // Seconds to minutes on a CPU before the first step: said, not silent.
  observer.on_message(std::string("start:    measuring the untrained model (") +
                      (probing(m) ? "k-NN probe" : "") + (probing(m) && m.recon ? ", " : "") +
                      (m.recon ? "held-out reconstruction" : "") + ") before the first step");
  const Evaluation e = evaluate(trainer, m, probing(m), m.recon != nullptr, observer);
  summary.initial_knn_accuracy = e.knn;
  summary.initial_heldout_mse = e.heldout_mse;
  summary.last = m.report(e);
  observer.on_progress(summary.last);
}

// After a step: the metrics line when one is due, with the evaluations and
// previews due at this step. Their time is not training throughput.
void report_step(Trainer& trainer, Trainer::Impl& m, TrainObserver& observer,
                 TrainSummary& summary) {
  const bool probe_now = probing(m) && m.due(m.config.probe_every);
  const bool recon_now = m.recon && m.due(m.config.recon_eval_every);
  const bool last = m.step == m.length.total_steps;
  if (!(probe_now || recon_now || m.step % m.config.log_every == 0 || last))
    return;
  Evaluation e;
  if (probe_now || recon_now) {
    m.check_finite();
    const auto t = Clock::now();
    e = evaluate(trainer, m, probe_now, recon_now, observer);
    m.window_start += Clock::now() - t;
  }
  summary.last = m.report(e);
  if (e.knn)
    summary.final_knn_accuracy = e.knn;
  if (m.writer() && !m.options.out_dir.empty() && (probe_now || recon_now || last)) {
    const auto t = Clock::now();
    publish_previews(trainer, m.options.out_dir, m.tensorboard.get(), m.step);
    m.window_start += Clock::now() - t;
  }
  observer.on_progress(summary.last);
}

void fill_summary(const Trainer::Impl& m, TrainSummary& summary) {
  summary.allreduce_seconds = m.allreduce_seconds;
  summary.step = m.step;
  if (m.recon) {
    summary.best_heldout_mse = m.best_mse;
    summary.best_heldout_step = m.best_step;
    summary.telea_heldout_mse = m.telea_mse;
    summary.best_model_path = (fs::path(m.options.out_dir) / kBestModelName).string();
  }
  summary.checkpoint_path = (fs::path(m.options.out_dir) / kTrainStateName).string();
  summary.model_path = (fs::path(m.options.out_dir) / kTrainModelName).string();
}

} // namespace

TrainSummary Trainer::run(TrainObserver& observer) {
  Impl& m = *impl_;
  for (const auto& line : describe())
    observer.on_message(line);
  TrainSummary summary;
  summary.total_steps = m.length.total_steps;
  m.choose_threads(observer);
  m.run_start = Clock::now();
  m.run_first_step = m.step;
  m.reset_window();
  report_start(*this, m, observer, summary);
  m.reset_window();
  if (m.resumed_window) { // the metrics window the stopped run had open
    m.loss_sum.fill_(m.resumed_window->loss_sum);
    m.window_steps = m.resumed_window->steps;
    m.window_first_step = m.resumed_window->first_step;
    m.resumed_window.reset();
  }
  while (m.step < m.length.total_steps) {
    bool keep_going = observer.before_step(*this);
    if (m.dist()) // a stop on any rank (Ctrl-C reaches each) stops all of them at this step
      keep_going = m.dist()->all_true(keep_going);
    if (!keep_going) {
      summary.stopped_early = true;
      break;
    }
    m.train_step();
    observer.after_step(*this);
    report_step(*this, m, observer, summary);
    if (m.config.checkpoint_every > 0 && m.step % m.config.checkpoint_every == 0 &&
        m.step < m.length.total_steps) {
      save_checkpoint(m.options.out_dir);
      observer.on_message("checkpoint: step " + std::to_string(m.step));
    }
  }
  if (m.options.save_final && m.last_saved_step != m.step)
    save_checkpoint(m.options.out_dir);
  m.folder_lock.release(); // the app keeps a finished Trainer: the folder is free for others
  if (m.dist())
    m.dist()->barrier(); // the others leave once rank 0 has written
  fill_summary(m, summary);
  return summary;
}

void Trainer::save_checkpoint(const std::string& dir, const std::function<void()>& before_rename) {
  Impl& m = *impl_;
  m.check_finite();
  if (!m.writer()) { // every rank holds the same weights and moments: rank 0 writes them
    if (dir == m.options.out_dir)
      m.last_saved_step = m.step;
    return;
  }
  create_folder(dir);
  const nlohmann::json data_order = {
      {"seed", m.config.seed},
      {"next_micro_batch", m.step * m.config.accum_iter},
      {"micro_batches_per_epoch", m.length.steps_per_epoch * m.config.accum_iter}};
  const nlohmann::json mask_rng = {
      {"seed", m.config.seed}, {"stream", "per micro-batch: derive_seed(seed, Mask, micro_batch)"}};
  auto metadata = m.model_metadata();
  metadata["step"] = std::to_string(m.step);
  metadata["optimizer_steps"] = std::to_string(m.optimizer->steps());
  metadata["skipped_steps"] = std::to_string(m.skipped_steps);
  if (m.device.is_cpu())
    metadata["cpu_threads"] = std::to_string(torch::get_num_threads());
  metadata["seed"] = std::to_string(m.config.seed);
  if (m.config.world_size > 1)
    metadata["world_size"] = std::to_string(m.config.world_size);
  metadata["data_order"] = data_order.dump();
  metadata["mask_rng"] = mask_rng.dump();
  metadata["window_loss_sum"] = metadata_text(m.loss_sum.item<double>());
  if (m.best_mse) {
    metadata["best_heldout_mse"] = metadata_text(*m.best_mse);
    metadata["best_heldout_step"] = std::to_string(m.best_step);
    metadata["heldout_eval"] = m.recon_key;
  }
  metadata["window_steps"] = std::to_string(m.window_steps);
  metadata["window_first_step"] = std::to_string(m.window_first_step);
  save_train_state((fs::path(dir) / kTrainStateName).string(), m.model, *m.optimizer, metadata,
                   before_rename);
  // The model file names its step: a resume repairs it if a crash came between the two writes.
  auto model_metadata = m.model_metadata();
  model_metadata["step"] = std::to_string(m.step);
  save_model((fs::path(dir) / kTrainModelName).string(), m.model, model_metadata);
  if (dir == m.options.out_dir) {
    m.last_saved_step = m.step;
    // This run has a checkpoint of its own: the one it replaced may go.
    std::error_code ec;
    for (const char* name : kReplaceableRunFiles)
      fs::remove(fs::path(dir) / (std::string(name) + kReplacedSuffix), ec);
  }
}

void Trainer::export_model(const std::string& path, bool half) {
  Impl& m = *impl_;
  m.check_finite();
  save_model(path, m.model, m.model_metadata(), half ? torch::kFloat16 : torch::kFloat32);
}

std::optional<double> Trainer::probe(const std::function<bool()>& stop) {
  Impl& m = *impl_;
  if (m.bank_indices.empty() || m.query_indices.empty())
    return std::nullopt;
  struct Abandoned {};
  const FeatureProgress poll = [&](size_t, size_t) {
    if (stop && stop())
      throw Abandoned{};
  };
  // A stop is seen between batches: on a CPU, batches of ~100 GFLOP (seconds,
  // one ViT-H image) rather than 256 images (minutes for a ViT-H).
  const ModelConfig& c = m.config.model;
  const double image_flops = encoder_blocks_flops(c, 1.0 + static_cast<double>(c.num_patches()));
  const int64_t batch = m.device.is_cuda()
                            ? 256
                            : std::clamp<int64_t>(static_cast<int64_t>(1e11 / image_flops), 1, 256);
  const auto features = [&](const ImageDataset& data, const std::vector<size_t>& indices) {
    return encoder_features(m.model, data, indices, m.config.normalization,
                            FeaturePooling::MeanPatch, m.device, m.config.bf16, batch, poll);
  };
  torch::Tensor bank, queries;
  try {
    bank = features(*m.data, m.bank_indices);
    queries = features(*m.query_data, m.query_indices);
  } catch (const Abandoned&) {
    return std::nullopt;
  }
  return knn_accuracy(bank, dataset_labels(*m.data, m.bank_indices, m.device), queries,
                      dataset_labels(*m.query_data, m.query_indices, m.device),
                      static_cast<int64_t>(m.data->classes().size()), m.config.probe_k,
                      m.config.probe_temperature);
}

std::optional<double> Trainer::heldout_mse() {
  Impl& m = *impl_;
  if (!m.recon)
    return std::nullopt;
  return m.recon->model_mse(m.model);
}

std::vector<ReconstructionPreview> Trainer::previews(int count) {
  Impl& m = *impl_;
  const ImageDataset& source = m.query_data ? *m.query_data : *m.data;
  const size_t n = std::min(source.size(), static_cast<size_t>(std::max(count, 0)));
  std::vector<size_t> indices = m.query_indices;
  if (indices.empty())
    for (size_t i = 0; i < n; ++i)
      indices.push_back(i);
  indices.resize(std::min(indices.size(), n));
  if (indices.empty())
    return {};
  const auto images = crop_resize(eval_batch(source, indices, m.device.is_cuda()),
                                  m.config.model.img_size, m.config.model.in_chans, m.device);
  MaskSettings mask = m.config.mask_settings();
  mask.seed = derive_seed(m.config.seed, RngStream::Preview);
  return reconstruct_previews(m.model, images, m.config.normalization, mask);
}

} // namespace mae

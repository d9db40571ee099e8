#include "train/train_config.h"

#include "base/config_json.h"
#include "base/errors.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace mae {
namespace {

const std::set<std::string> kTopKeys = {"name",
                                        "arch",
                                        "model",
                                        "data",
                                        "normalization",
                                        "augment",
                                        "batch_size",
                                        "accum_iter",
                                        "blr",
                                        "lr",
                                        "min_lr",
                                        "warmup_steps",
                                        "warmup_epochs",
                                        "total_steps",
                                        "epochs",
                                        "weight_decay",
                                        "mask_ratio",
                                        "mask_strategy",
                                        "norm_pix_loss",
                                        "clip_grad",
                                        "bf16",
                                        "skip_nonfinite",
                                        "cuda_graph",
                                        "log_every",
                                        "checkpoint_every",
                                        "probe_every",
                                        "probe_k",
                                        "probe_temperature",
                                        "probe_bank_size",
                                        "probe_query_size",
                                        "recon_eval_every",
                                        "recon_eval_images",
                                        "recon_eval_masks",
                                        "seed",
                                        "num_workers",
                                        "prefetch"};

void read_model(const nlohmann::json& j, TrainConfig& c) {
  const bool has_arch = j.contains("arch"), has_model = j.contains("model");
  require_field(has_arch != has_model, "arch",
                "give either \"arch\" (a named architecture) or an inline \"model\" object");
  if (has_arch) {
    read_field(j, "arch", c.arch);
    try {
      c.model = builtin_model_config(c.arch);
    } catch (const ConfigError& e) {
      throw ConfigError(std::string("config field 'arch': ") + e.what());
    }
  } else {
    c.arch.clear();
    c.model = ModelConfig{};
    try {
      from_json(j.at("model"), c.model);
    } catch (const ConfigError& e) {
      throw ConfigError(std::string("in \"model\": ") + e.what());
    }
  }
  read_field(j, "mask_ratio", c.model.mask_ratio);
  read_field(j, "norm_pix_loss", c.model.norm_pix_loss);
}

void read_data(const nlohmann::json& j, DataConfig& d) {
  auto it = j.find("data");
  if (it == j.end())
    return;
  check_known_fields(*it, {"type", "path", "val_path", "synthetic_count", "synthetic_size"},
                     "data.");
  read_field(*it, "type", d.type, "data.");
  read_field(*it, "path", d.path, "data.");
  read_field(*it, "val_path", d.val_path, "data.");
  read_field(*it, "synthetic_count", d.synthetic_count, "data.");
  read_field(*it, "synthetic_size", d.synthetic_size, "data.");
}

void read_normalization(const nlohmann::json& j, TrainConfig& c) {
  auto it = j.find("normalization");
  c.normalization = Normalization::imagenet(c.model.in_chans);
  if (it == j.end())
    return;
  if (it->is_string()) {
    require_field(*it == "imagenet", "normalization",
                  "must be \"imagenet\" or {\"mean\": [...], \"std\": [...]}");
    return;
  }
  check_known_fields(*it, {"mean", "std"}, "normalization.");
  try {
    c.normalization.mean = it->at("mean").get<std::vector<float>>();
    c.normalization.std = it->at("std").get<std::vector<float>>();
  } catch (const nlohmann::json::exception&) {
    throw ConfigError("config field 'normalization': needs \"mean\" and \"std\" lists of numbers");
  }
}

void read_augment(const nlohmann::json& j, AugmentConfig& a) {
  auto it = j.find("augment");
  if (it == j.end())
    return;
  check_known_fields(
      *it, {"random_resized_crop", "min_scale", "max_scale", "min_ratio", "max_ratio", "hflip"},
      "augment.");
  read_field(*it, "random_resized_crop", a.random_resized_crop, "augment.");
  read_field(*it, "min_scale", a.min_scale, "augment.");
  read_field(*it, "max_scale", a.max_scale, "augment.");
  read_field(*it, "min_ratio", a.min_ratio, "augment.");
  read_field(*it, "max_ratio", a.max_ratio, "augment.");
  read_field(*it, "hflip", a.hflip, "augment.");
}

} // namespace

double TrainConfig::peak_lr() const {
  return lr > 0 ? lr : blr * static_cast<double>(effective_batch()) / 256.0;
}

LoaderConfig TrainConfig::loader() const {
  LoaderConfig l;
  l.batch_size = batch_size;
  l.seed = seed;
  l.augment = augment;
  l.mask = mask_settings();
  l.num_workers = num_workers;
  l.prefetch = prefetch;
  l.img_size = model.img_size;
  l.in_chans = model.in_chans;
  l.grid = model.grid_size();
  l.normalization = normalization;
  l.rank = rank;
  l.world_size = world_size;
  return l;
}

void TrainConfig::validate() const {
  // It names the run's folder (runs/<name>-<time>): "../x" wrote outside runs/.
  require_field(name.find('/') == std::string::npos && name != "." && name != "..", "name",
                "must be a plain name, no '/' (it names the run's folder), got \"" + name + "\"");
  model.validate();
  // A changed arch keeps the old one's normalization: said where the counts come from.
  const auto chans = static_cast<size_t>(model.in_chans);
  if (!arch.empty() && (normalization.mean.size() != chans || normalization.std.size() != chans)) {
    try {
      normalization.validate(model.in_chans);
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) + " (the arch " + arch +
                        " sets the channels: give a normalization for it)");
    }
  }
  normalization.validate(model.in_chans);
  augment.validate();
  require_field(data.type == "fmnist" || data.type == "folder" || data.type == "shards" ||
                    data.type == "synthetic",
                "data.type",
                "must be \"fmnist\", \"folder\", \"shards\" or \"synthetic\", got \"" + data.type +
                    "\"");
  require_field(data.type != "synthetic" || (data.synthetic_count > 0 && data.synthetic_size > 0),
                "data.synthetic_count", "synthetic data needs a positive count and size");
  require_field(data.synthetic_count <= 1000000, "data.synthetic_count", "must be at most 1000000");
  require_field(data.synthetic_size <= 4096, "data.synthetic_size",
                "must be at most 4096 pixels a side");
  // The loss is over the removed patches, and the encoder needs one to see.
  const int64_t patches = model.grid_size() * model.grid_size();
  const int64_t kept = mask_settings().num_kept(model.grid_size(), model.grid_size());
  require_field(kept >= 1 && kept < patches, "mask_ratio",
                std::to_string(model.mask_ratio) + " keeps " + std::to_string(kept) + " of " +
                    std::to_string(patches) +
                    " patches; training needs at least one kept and one removed");
  // Normalised per patch, a one-value patch is 0/0.
  require_field(!model.norm_pix_loss || model.patch_size * model.patch_size * model.in_chans >= 2,
                "norm_pix_loss", "needs patches of at least two values");
  require_field(data.type == "fmnist" || data.type == "synthetic" || !data.path.empty(),
                "data.path", "a \"" + data.type + "\" data source needs a path");
  require_field(data.type != "fmnist" || model.in_chans == 1 || model.in_chans == 3,
                "model.in_chans", "Fashion-MNIST trains 1- or 3-channel models");
  // Bounds no real run reaches: beyond them a typo would allocate or run forever.
  require_field(batch_size > 0 && batch_size <= 65536, "batch_size", "must be in [1, 65536]");
  require_field(accum_iter > 0 && accum_iter <= 4096, "accum_iter", "must be in [1, 4096]");
  require_field(int64_t{batch_size} * model.in_chans * model.img_size * model.img_size <=
                    (int64_t{1} << 32),
                "batch_size",
                std::to_string(batch_size) + " images of " + std::to_string(model.img_size) +
                    " px make a batch of more than 4 G values; use accum_iter instead");
  // Bounds far above any recipe's: 1e300 overflowed float after the run began.
  require_field(std::isfinite(blr) && blr > 0 && blr <= 10, "blr", "must be in (0, 10]");
  require_field(std::isfinite(lr) && lr >= 0 && lr <= 10, "lr",
                "must be in [0, 10] (0: derive from blr)");
  require_field(std::isfinite(min_lr) && min_lr >= 0 && min_lr <= peak_lr(), "min_lr",
                "must be in [0, peak lr " + std::to_string(peak_lr()) + "]");
  require_field((total_steps > 0) != (epochs > 0), "total_steps",
                "give exactly one of \"total_steps\" and \"epochs\" (positive)");
  require_field(total_steps >= 0 && total_steps <= kMaxTrainSteps, "total_steps",
                "must be in [0, 2^40]: no run reaches more");
  require_field(std::isfinite(epochs) && epochs >= 0 && epochs <= 1e6, "epochs",
                "must be in [0, 1000000]");
  require_field(warmup_steps >= 0 && warmup_steps <= kMaxTrainSteps, "warmup_steps",
                "must be in [0, 2^40]");
  require_field(std::isfinite(warmup_epochs) && warmup_epochs >= 0 && warmup_epochs <= 1e6,
                "warmup_epochs", "must be in [0, 1000000]");
  require_field(warmup_steps == 0 || warmup_epochs == 0, "warmup_steps",
                "give at most one of \"warmup_steps\" and \"warmup_epochs\"");
  require_field(std::isfinite(weight_decay) && weight_decay >= 0 && weight_decay <= 10,
                "weight_decay", "must be in [0, 10]");
  require_field(std::isfinite(clip_grad) && clip_grad >= 0, "clip_grad",
                "must not be negative (0: off)");
  require_field(log_every > 0, "log_every", "must be positive");
  require_field(probe_bank_size <= 1000000 && probe_query_size <= 1000000, "probe_bank_size",
                "probe sets hold at most 1000000 images");
  require_field(checkpoint_every >= 0, "checkpoint_every",
                "must not be negative (0: only at the end)");
  require_field(probe_every >= 0, "probe_every", "must not be negative (0: off)");
  require_field(probe_k > 0, "probe_k", "must be positive");
  require_field(std::isfinite(probe_temperature) && probe_temperature > 0, "probe_temperature",
                "must be positive");
  require_field(probe_bank_size > 0, "probe_bank_size", "must be positive");
  require_field(probe_query_size > 0, "probe_query_size", "must be positive");
  require_field(recon_eval_every >= 0, "recon_eval_every", "must not be negative (0: off)");
  require_field(recon_eval_images >= 1 && recon_eval_images <= 100000, "recon_eval_images",
                "must be in [1, 100000]");
  require_field(recon_eval_masks >= 1 && recon_eval_masks <= 64, "recon_eval_masks",
                "must be in [1, 64]");
  require_field(num_workers >= 0 && num_workers <= 64, "num_workers", "must be in [0, 64]");
  require_field(prefetch >= 1 && prefetch <= 64, "prefetch", "must be in [1, 64]");
}

void to_json(nlohmann::json& j, const TrainConfig& c) {
  j = nlohmann::json::object();
  if (!c.name.empty())
    j["name"] = c.name;
  if (!c.arch.empty())
    j["arch"] = c.arch;
  else
    j["model"] = c.model;
  j["data"] = {{"type", c.data.type}, {"path", c.data.path}, {"val_path", c.data.val_path}};
  if (c.data.type == "synthetic") {
    j["data"]["synthetic_count"] = c.data.synthetic_count;
    j["data"]["synthetic_size"] = c.data.synthetic_size;
  }
  j["normalization"] = {{"mean", c.normalization.mean}, {"std", c.normalization.std}};
  const AugmentConfig& a = c.augment;
  j["augment"] = {{"random_resized_crop", a.random_resized_crop},
                  {"min_scale", a.min_scale},
                  {"max_scale", a.max_scale},
                  {"min_ratio", a.min_ratio},
                  {"max_ratio", a.max_ratio},
                  {"hflip", a.hflip}};
  j["batch_size"] = c.batch_size;
  j["accum_iter"] = c.accum_iter;
  j["blr"] = c.blr;
  j["lr"] = c.lr;
  j["min_lr"] = c.min_lr;
  j["warmup_steps"] = c.warmup_steps;
  j["warmup_epochs"] = c.warmup_epochs;
  j["total_steps"] = c.total_steps;
  j["epochs"] = c.epochs;
  j["weight_decay"] = c.weight_decay;
  j["mask_ratio"] = c.model.mask_ratio;
  j["mask_strategy"] = to_string(c.mask_strategy);
  j["norm_pix_loss"] = c.model.norm_pix_loss;
  j["clip_grad"] = c.clip_grad;
  j["bf16"] = c.bf16;
  j["skip_nonfinite"] = c.skip_nonfinite;
  j["cuda_graph"] = c.cuda_graph;
  j["log_every"] = c.log_every;
  j["checkpoint_every"] = c.checkpoint_every;
  j["probe_every"] = c.probe_every;
  j["probe_k"] = c.probe_k;
  j["probe_temperature"] = c.probe_temperature;
  j["probe_bank_size"] = c.probe_bank_size;
  j["probe_query_size"] = c.probe_query_size;
  j["recon_eval_every"] = c.recon_eval_every;
  j["recon_eval_images"] = c.recon_eval_images;
  j["recon_eval_masks"] = c.recon_eval_masks;
  j["seed"] = c.seed;
  j["num_workers"] = c.num_workers;
  j["prefetch"] = c.prefetch;
}

void from_json(const nlohmann::json& j, TrainConfig& c) {
  check_known_fields(j, kTopKeys, "");
  read_field(j, "name", c.name);
  read_model(j, c);
  read_data(j, c.data);
  read_normalization(j, c);
  read_augment(j, c.augment);
  read_field(j, "batch_size", c.batch_size);
  read_field(j, "accum_iter", c.accum_iter);
  read_field(j, "blr", c.blr);
  read_field(j, "lr", c.lr);
  read_field(j, "min_lr", c.min_lr);
  read_field(j, "warmup_steps", c.warmup_steps);
  read_field(j, "warmup_epochs", c.warmup_epochs);
  read_field(j, "total_steps", c.total_steps);
  read_field(j, "epochs", c.epochs);
  read_field(j, "weight_decay", c.weight_decay);
  std::string strategy = to_string(c.mask_strategy);
  read_field(j, "mask_strategy", strategy);
  try {
    c.mask_strategy = parse_mask_strategy(strategy);
  } catch (const UsageError&) {
    throw ConfigError(
        "config field 'mask_strategy': must be \"random\", \"block\" or \"grid\", got \"" +
        strategy + "\"");
  }
  read_field(j, "clip_grad", c.clip_grad);
  read_field(j, "bf16", c.bf16);
  read_field(j, "skip_nonfinite", c.skip_nonfinite);
  read_field(j, "cuda_graph", c.cuda_graph);
  read_field(j, "log_every", c.log_every);
  read_field(j, "checkpoint_every", c.checkpoint_every);
  read_field(j, "probe_every", c.probe_every);
  read_field(j, "probe_k", c.probe_k);
  read_field(j, "probe_temperature", c.probe_temperature);
  read_field(j, "probe_bank_size", c.probe_bank_size);
  read_field(j, "probe_query_size", c.probe_query_size);
  read_field(j, "recon_eval_every", c.recon_eval_every);
  read_field(j, "recon_eval_images", c.recon_eval_images);
  read_field(j, "recon_eval_masks", c.recon_eval_masks);
  read_field(j, "seed", c.seed);
  read_field(j, "num_workers", c.num_workers);
  read_field(j, "prefetch", c.prefetch);
}

TrainConfig parse_train_config(const std::string& json_text, const std::string& label) {
  return parse_config_json<TrainConfig>(json_text, label);
}

TrainConfig load_train_config(const std::string& path) {
  return parse_train_config(read_config_file(path, "training config"), path);
}

std::string train_config_json(const TrainConfig& c) {
  return nlohmann::json(c).dump(2);
}

} // namespace mae

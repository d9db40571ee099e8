#include "checkpoint/checkpoint.h"
#include "checkpoint/layer_key.h"
#include "checkpoint/normalization_io.h"

#include "base/config_json.h"
#include "base/config_kind.h"
#include "base/errors.h"
#include "base/file_extension.h"
#include "base/image_signature.h"
#include "formats/container.h"
#include "formats/file_bytes.h"
#include "formats/pth_reader.h"
#include "formats/safetensors.h"
#include "formats/tensor_view.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace mae {
namespace {

const char* float_name(torch::ScalarType t) {
  switch (t) {
  case torch::kFloat64:
    return "float64";
  case torch::kFloat16:
    return "float16";
  case torch::kBFloat16:
    return "bfloat16";
  default:
    return "float32";
  }
}

std::string nonfinite_text(const std::vector<std::string>& names) {
  return std::to_string(names.size()) + (names.size() == 1 ? " tensor holds" : " tensors hold") +
         " NaN or infinite values (" + names.front() + (names.size() > 1 ? ", ..." : "") + ")";
}

torch::ScalarType scalar_type(DType d, const std::string& label, const std::string& name) {
  switch (d) {
  case DType::F64:
    return torch::kFloat64;
  case DType::F32:
    return torch::kFloat32;
  case DType::F16:
    return torch::kFloat16;
  case DType::BF16:
    return torch::kBFloat16;
  default:
    throw CheckpointError(label + ": tensor '" + name + "' has dtype " + dtype_name(d) +
                          "; weights must be floating point (F64, F32, F16 or BF16)");
  }
}

DType dtype_of(torch::ScalarType t) {
  switch (t) {
  case torch::kFloat64:
    return DType::F64;
  case torch::kFloat32:
    return DType::F32;
  case torch::kFloat16:
    return DType::F16;
  case torch::kBFloat16:
    return DType::BF16;
  case torch::kInt64:
    return DType::I64;
  case torch::kInt32:
    return DType::I32;
  case torch::kUInt8:
    return DType::U8;
  case torch::kBool:
    return DType::Bool;
  default:
    throw CheckpointError(std::string("cannot store tensors of type ") + c10::toString(t));
  }
}

// Aligned float32 weights become views of the file buffer, which each view
// keeps alive (loading copies them into the model, so a second copy here
// would only cost time: 0.45 s for ViT-L); others become float32 copies.
// Nothing writes to these tensors. `stored` gets the file's float type
// ("float16"; "mixed" when the tensors differ).
StateDict to_state_dict(const TensorList& list, const std::string& label, std::string* stored) {
  StateDict out;
  out.reserve(list.size());
  std::set<std::string> types;
  for (const auto& [name, view] : list) {
    const auto type = scalar_type(view.dtype, label, name);
    types.insert(float_name(type));
    std::vector<int64_t> strides = view.strides;
    if (strides.empty()) {
      strides.assign(view.shape.size(), 1);
      for (int i = static_cast<int>(view.shape.size()) - 2; i >= 0; --i)
        strides[static_cast<size_t>(i)] =
            strides[static_cast<size_t>(i) + 1] * view.shape[static_cast<size_t>(i) + 1];
    }
    const bool aligned = reinterpret_cast<uintptr_t>(view.data) % alignof(float) == 0;
    if (type == torch::kFloat32 && aligned) {
      auto owner = view.owner;
      out.emplace_back(name, torch::from_blob(
                                 const_cast<uint8_t*>(view.data), view.shape, strides,
                                 [owner](void*) {}, torch::TensorOptions().dtype(type)));
      continue;
    }
    auto t = torch::from_blob(const_cast<uint8_t*>(view.data), view.shape, strides,
                              torch::TensorOptions().dtype(type));
    out.emplace_back(name,
                     t.to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true).contiguous());
  }
  *stored = types.size() == 1 ? *types.begin() : types.empty() ? "" : "mixed";
  return out;
}

nlohmann::json read_json_file(const fs::path& path) {
  try {
    return parse_json(read_config_file(path.string(), "file"), path.string());
  } catch (const ConfigError& e) {
    throw CheckpointError(e.what());
  }
}

constexpr const char* kWhatAModelIs =
    "A model is a .safetensors or .pth file, or a HuggingFace folder";

// A .json given where a model goes (a HuggingFace config.json, a lesson, a
// training config): named as what it is, not "neither a zip archive nor a pickle".
[[noreturn]] void refuse_json_as_model(const std::string& path) {
  std::string kind;
  try {
    const ConfigKind k = config_kind(parse_json_or_discarded(read_config_file(path, "file")));
    if (k == ConfigKind::HuggingFace)
      throw CheckpointError(path + " is a HuggingFace model's config.json: give its folder, " +
                            fs::path(path).parent_path().string() + ", as the model");
    if (k != ConfigKind::Unknown)
      kind = "; it is " + describe(k);
  } catch (const nlohmann::json::exception&) { // not JSON either: the same answer
  } catch (const ConfigError&) {
  }
  throw CheckpointError(path + ": a JSON file, not a model" + kind + ". " + kWhatAModelIs);
}

// A run's other safetensors files, named as what they are: "tensor
// 'rng/torch_cpu' has dtype U8" told the user nothing.
void refuse_run_file(const SafetensorsFile& st, const std::string& path) {
  bool train_state = false, finetune_state = false, pictures = !st.tensors.empty();
  for (const auto& [name, view] : st.tensors) {
    train_state = train_state || name.rfind("optim/", 0) == 0;
    finetune_state = finetune_state || name.rfind("exp_avg/", 0) == 0;
    pictures = pictures && view.dtype == DType::U8;
  }
  const fs::path folder = fs::path(path).parent_path().empty() ? "." : fs::path(path).parent_path();
  if (train_state)
    throw CheckpointError(path +
                          ": a training run's state (weights with optimizer moments), "
                          "not a model: the run's model is " +
                          (folder / "model.safetensors").string() + ", and mae train --resume " +
                          folder.string() + " continues the run");
  if (finetune_state)
    throw CheckpointError(path +
                          ": a fine-tuning run's state, not a model: mae finetune --resume " +
                          folder.string() + " continues the run");
  if (pictures)
    throw CheckpointError(path + ": pictures (a training run's previews), not a model. " +
                          kWhatAModelIs);
}

std::string join_limited(const std::vector<std::string>& items, size_t limit) {
  std::string s;
  for (size_t i = 0; i < items.size() && i < limit; ++i)
    s += "\n  " + items[i];
  if (items.size() > limit)
    s += "\n  ... and " + std::to_string(items.size() - limit) + " more";
  return s;
}

const torch::Tensor* find(const StateDict& sd, const std::string& name) {
  for (const auto& [n, t] : sd)
    if (n == name)
      return &t;
  return nullptr;
}

int count_layers(const StateDict& sd, const std::string& prefix) {
  std::set<int> ids;
  for (const auto& [n, t] : sd)
    if (const auto key = layer_key(n, prefix))
      ids.insert(key->index);
  return static_cast<int>(ids.size());
}

bool has_decoder_keys(const StateDict& sd) {
  for (const auto& [n, t] : sd)
    if (is_decoder_parameter(n))
      return true;
  return false;
}

// Reads tensors from a file that is either safetensors or a torch zip.
// Weights saved from PyTorch's DistributedDataParallel wrapper carry its
// attribute name: every key "module.blocks.0...". Read without it, and said.
void strip_wrapper_prefix(RawCheckpoint& raw) {
  const std::string prefix = "module.";
  if (raw.tensors.empty())
    return;
  for (const auto& [name, t] : raw.tensors)
    if (name.rfind(prefix, 0) != 0)
      return;
  StateDict stripped;
  for (auto& [name, t] : raw.tensors)
    stripped.emplace_back(name.substr(prefix.size()), std::move(t));
  raw.tensors = std::move(stripped);
  raw.notices.push_back("every weight's name began with 'module.' (saved from a "
                        "DistributedDataParallel wrapper): read without it");
}

RawCheckpoint read_tensor_file(const std::string& path) {
  RawCheckpoint raw;
  const SharedBytes bytes = read_file_bytes(path, "checkpoint");
  Container container = sniff_container(bytes->data(), bytes->size(), path);
  if (container == Container::Unknown) {
    if (const ImageFormat image = image_format(bytes->data(), bytes->size());
        image != ImageFormat::None)
      throw CheckpointError(path + ": a " + image_format_name(image) + " image, not a model. " +
                            kWhatAModelIs);
    // Neither signature holds: the parser the extension suggests says what is wrong.
    const std::string ext = fs::path(path).extension().string();
    container = ext == ".safetensors" || ext.empty() ? Container::Safetensors : Container::Zip;
  }
  if (container != Container::Safetensors) {
    const PthFile pth = parse_pth(bytes, path);
    raw.tensors = to_state_dict(pth.tensors, path, &raw.stored_dtype);
    raw.format = CheckpointFormat::OfficialPth;
    if (!pth.ignored_keys.empty()) {
      std::string keys;
      for (const auto& k : pth.ignored_keys)
        keys += (keys.empty() ? "" : ", ") + k;
      raw.notices.push_back("ignored top-level entries besides 'model': " + keys);
    }
  } else {
    const SafetensorsFile st = parse_safetensors(bytes, path);
    refuse_run_file(st, path);
    raw.tensors = to_state_dict(st.tensors, path, &raw.stored_dtype);
    raw.metadata = st.metadata;
    auto it = st.metadata.find("format");
    raw.format = it != st.metadata.end() && it->second == kFormatName
                     ? CheckpointFormat::MaeStudio
                     : CheckpointFormat::OfficialSafetensors;
  }
  strip_wrapper_prefix(raw);
  return raw;
}

// The shape of `name` in the file, or nothing when it is absent.
const std::vector<int64_t>* file_shape(const StateDict& sd, const std::string& name,
                                       std::vector<int64_t>& storage) {
  for (const auto& [n, t] : sd)
    if (n == name) {
      storage = t.sizes().vec();
      return &storage;
    }
  return nullptr;
}

// The sizes a config implies, against the tensors the file holds, before a
// model is built: a config asking for a million blocks, or a width the
// weights do not have, must not allocate anything.
void check_config_matches_tensors(const ModelConfig& c, const StateDict& sd, bool with_decoder,
                                  const std::string& path, const std::string& source) {
  std::vector<std::string> problems;
  const auto expect_count = [&](const std::string& prefix, int want, const char* field) {
    const int have = count_layers(sd, prefix);
    if (have != want)
      problems.push_back(std::string(field) + ": checkpoint " + std::to_string(have) + " '" +
                         prefix + "' blocks, model " + std::to_string(want));
  };
  const auto expect_shape = [&](const std::string& name, const std::vector<int64_t>& want) {
    std::vector<int64_t> storage;
    const auto* have = file_shape(sd, name, storage);
    if (have && *have != want)
      problems.push_back(name + ": checkpoint " + shape_text(*have) + ", model " +
                         shape_text(want));
  };
  const int64_t D = c.embed_dim, d = c.decoder_embed_dim, p = c.patch_size;
  expect_count("blocks", c.depth, "depth");
  expect_shape("cls_token", {1, 1, D});
  expect_shape("patch_embed.proj.weight", {D, c.in_chans, p, p});
  expect_shape("blocks.0.mlp.fc1.weight", {c.mlp_hidden(), D});
  if (with_decoder) {
    expect_count("decoder_blocks", c.decoder_depth, "decoder_depth");
    expect_shape("decoder_embed.weight", {d, D});
    expect_shape("decoder_pred.weight", {p * p * c.in_chans, d});
  }
  if (problems.empty())
    return;
  std::string text;
  for (const auto& problem : problems)
    text += "\n  " + problem;
  // "--arch X" would read as a request for an architecture (the app's dialog).
  const std::string given =
      source.rfind("--arch ", 0) == 0 ? "architecture " + source.substr(7) : source;
  throw CheckpointError(path + ": the weights do not fit " + given +
                        " (checked before building the model); shape mismatches:" + text);
}

// An architecture error with what reading the file noticed (a config.json
// missing, or a key in it left to its default): often the cause.
std::string with_notes(const std::string& error, const std::vector<std::string>& notices) {
  std::string text = error;
  for (const std::string& n : notices)
    text += "\nnote: " + n;
  return text;
}

} // namespace

const char* to_string(CheckpointFormat f) {
  switch (f) {
  case CheckpointFormat::MaeStudio:
    return "MAE Studio safetensors";
  case CheckpointFormat::HuggingFace:
    return "HuggingFace ViTMAE";
  case CheckpointFormat::OfficialPth:
    return "facebookresearch/mae .pth";
  case CheckpointFormat::OfficialSafetensors:
    return "safetensors (official key names)";
  }
  return "?";
}

RawCheckpoint read_checkpoint(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw CheckpointError(path + ": no such file or directory");
  fs::path file = path;
  fs::path hf_config;
  if (fs::is_directory(path, ec)) {
    hf_config = fs::path(path) / "config.json";
    file = fs::path(path) / "model.safetensors";
    if (!fs::exists(file) && fs::exists(fs::path(path) / "pytorch_model.bin"))
      file = fs::path(path) / "pytorch_model.bin";
    if (!fs::exists(file))
      throw CheckpointError(path +
                            ": a model directory needs model.safetensors (or pytorch_model.bin)");
  } else {
    if (lower_extension(path) == ".json")
      refuse_json_as_model(path);
    if (lower_extension(path) == ".jsonl")
      throw CheckpointError(path +
                            ": a JSON-lines log (a run's metrics.jsonl: plot it with mae "
                            "plot-metrics), not a model. " +
                            kWhatAModelIs);
    hf_config = fs::path(path).parent_path() / "config.json";
  }
  RawCheckpoint raw = read_tensor_file(file.string());
  if (is_hf_layout(raw.tensors)) {
    raw.tensors = official_from_hf(raw.tensors, file.string());
    raw.format = CheckpointFormat::HuggingFace;
    if (fs::exists(hf_config))
      raw.config =
          model_config_from_hf(read_json_file(hf_config), hf_config.string(), &raw.notices);
    else
      raw.notices.push_back("no config.json beside the HuggingFace weights (" + hf_config.string() +
                            ")");
  } else if (raw.format == CheckpointFormat::MaeStudio) {
    auto it = raw.metadata.find("mae_config");
    if (it == raw.metadata.end())
      throw CheckpointError(path + ": MAE Studio file without 'mae_config' metadata");
    // Exactly a whole number: "1junk" is not version 1.
    const std::string& version_text = raw.metadata["format_version"];
    const int version =
        version_text.size() == 1 && std::isdigit(version_text[0]) ? version_text[0] - '0' : -1;
    if (version < 1 || version > kFormatVersion)
      throw CheckpointError(path + ": format_version \"" + version_text + "\"" +
                            " is not supported by this build (supports 1.." +
                            std::to_string(kFormatVersion) + ")");
    try {
      raw.config = parse_model_config(it->second, path + " metadata");
    } catch (const ConfigError& e) {
      throw CheckpointError(e.what());
    }
  }
  return raw;
}

ModelConfig infer_config(const StateDict& sd, std::vector<std::string>* notices) {
  const torch::Tensor* patch = find(sd, "patch_embed.proj.weight");
  const torch::Tensor* pos = find(sd, "pos_embed");
  const torch::Tensor* fc1 = find(sd, "blocks.0.mlp.fc1.weight");
  if (!patch || !pos || patch->dim() != 4 || pos->dim() != 3)
    throw CheckpointError(
        "cannot infer the architecture: patch_embed.proj.weight or pos_embed missing");
  ModelConfig c;
  c.embed_dim = static_cast<int>(patch->size(0));
  c.in_chans = static_cast<int>(patch->size(1));
  c.patch_size = static_cast<int>(patch->size(2));
  const auto g = static_cast<int>(std::lround(std::sqrt(static_cast<double>(pos->size(1) - 1))));
  c.img_size = g * c.patch_size;
  c.depth = count_layers(sd, "blocks");
  if (fc1)
    c.mlp_ratio = static_cast<double>(fc1->size(0)) / c.embed_dim;
  if (const torch::Tensor* dec = find(sd, "decoder_embed.weight"))
    c.decoder_embed_dim = static_cast<int>(dec->size(0));
  c.decoder_depth = count_layers(sd, "decoder_blocks");
  // The head count is not stored anywhere in the weights: borrow it from a
  // named architecture whose every inferable field matches.
  for (const auto& name : builtin_model_names()) {
    ModelConfig b = builtin_model_config(name);
    const bool decoder_ok = !has_decoder_keys(sd) || (b.decoder_embed_dim == c.decoder_embed_dim &&
                                                      b.decoder_depth == c.decoder_depth);
    if (b.embed_dim == c.embed_dim && b.in_chans == c.in_chans && b.patch_size == c.patch_size &&
        b.img_size == c.img_size && b.depth == c.depth && b.mlp_ratio == c.mlp_ratio &&
        decoder_ok) {
      c.num_heads = b.num_heads;
      c.decoder_num_heads = b.decoder_num_heads;
      if (!has_decoder_keys(sd))
        c.decoder_embed_dim = b.decoder_embed_dim, c.decoder_depth = b.decoder_depth;
      if (notices) {
        notices->push_back("architecture inferred from tensor shapes; head counts taken from " +
                           name);
        notices->push_back(
            "norm_pix_loss is not stored in the weights: assuming false (pass --config to change)");
      }
      c.validate();
      return c;
    }
  }
  throw CheckpointError(
      "the weights (embed_dim " + std::to_string(c.embed_dim) + ", depth " +
      std::to_string(c.depth) + ", patch " + std::to_string(c.patch_size) + ", " +
      std::to_string(c.img_size) +
      "px) match no named architecture, and the number of attention heads cannot be inferred from "
      "weights: pass --config FILE.json or --arch NAME");
}

StateDict model_state_dict(MaskedAutoencoderViT& model) {
  StateDict sd;
  for (const auto& p : model->named_parameters())
    sd.emplace_back(p.key(), p.value());
  return sd;
}

void load_state_dict(MaskedAutoencoderViT& model, const StateDict& tensors,
                     const std::string& label) {
  std::map<std::string, const torch::Tensor*> given;
  for (const auto& [n, t] : tensors)
    given[n] = &t;
  std::vector<std::string> missing, mismatched, unexpected;
  auto params = model->named_parameters();
  for (const auto& p : params) {
    auto it = given.find(p.key());
    if (it == given.end()) {
      missing.push_back(p.key());
    } else if (it->second->sizes() != p.value().sizes()) {
      mismatched.push_back(p.key() + ": checkpoint " + shape_text(it->second->sizes().vec()) +
                           ", model " + shape_text(p.value().sizes().vec()));
    }
  }
  for (const auto& [n, t] : given)
    if (!params.contains(n))
      unexpected.push_back(n);
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string msg =
        label + ": weights do not match the architecture (" + model->config().summary() + ")";
    if (!mismatched.empty())
      msg += "\nshape mismatches:" + join_limited(mismatched, 12);
    if (!missing.empty())
      msg += "\nmissing keys:" + join_limited(missing, 12);
    if (!unexpected.empty())
      msg += "\nunexpected keys:" + join_limited(unexpected, 12);
    throw CheckpointError(msg);
  }
  torch::NoGradGuard no_grad;
  for (auto& p : params)
    p.value().copy_(*given[p.key()]);
}

LoadedModel load_model(const std::string& path, const LoadOptions& options) {
  RawCheckpoint raw = read_checkpoint(path);
  LoadedModel out;
  out.path = path;
  out.format = raw.format;
  out.metadata = raw.metadata;
  out.notices = raw.notices;
  ModelConfig config;
  if (options.config) {
    config = *options.config;
    out.config_source = "--config";
  } else if (!options.arch.empty()) {
    config = builtin_model_config(options.arch);
    out.config_source = "--arch " + options.arch;
  } else if (raw.config) {
    config = *raw.config;
    out.config_source =
        raw.format == CheckpointFormat::HuggingFace ? "config.json" : "checkpoint metadata";
  } else if (options.fallback_config) {
    config = *options.fallback_config;
    out.config_source = "the training config";
  } else {
    try {
      config = infer_config(raw.tensors, &out.notices);
    } catch (const CheckpointError& e) {
      throw CheckpointError(with_notes(path + ": " + e.what(), raw.notices));
    }
    out.config_source = "inferred from tensor shapes";
  }
  const bool with_decoder = has_decoder_keys(raw.tensors);
  if (!with_decoder)
    out.notices.push_back(
        "encoder-only checkpoint: it has no decoder, so it cannot reconstruct images "
        "(features and probes work)");
  try {
    check_config_matches_tensors(config, raw.tensors, with_decoder, path, out.config_source);
  } catch (const CheckpointError& e) {
    throw CheckpointError(with_notes(e.what(), raw.notices));
  }
  try { // every later reader of the metadata finds it sound
    normalization_from_metadata(out.metadata, config.in_chans);
  } catch (const CheckpointError& e) {
    throw CheckpointError(path + ": " + e.what());
  }
  for (const auto& [name, t] : raw.tensors)
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      out.nonfinite_tensors.push_back(name);
  out.stored_dtype = raw.stored_dtype;
  if (!out.nonfinite_tensors.empty())
    out.notices.push_back(nonfinite_text(out.nonfinite_tensors) +
                          ": the model's reconstructions will not be finite");
  out.model = MaskedAutoencoderViT(config, with_decoder, /*initialize=*/false);
  load_state_dict(out.model, raw.tensors, path);
  out.model->eval();
  return out;
}

void require_finite_weights(const LoadedModel& loaded, const std::string& use) {
  if (!loaded.nonfinite_tensors.empty())
    throw CheckpointError(loaded.path + ": " + nonfinite_text(loaded.nonfinite_tensors) + ": " +
                          use + " of these weights would mean nothing");
}

LoadedModel load_model_to_measure(const std::string& path, const LoadOptions& options,
                                  const std::string& use,
                                  const std::function<void(const std::string&)>& note) {
  LoadedModel loaded = load_model(path, options);
  require_finite_weights(loaded, use);
  for (const std::string& n : loaded.notices)
    note(n);
  return loaded;
}

void save_model(const std::string& path, MaskedAutoencoderViT& model,
                const std::map<std::string, std::string>& extra_metadata, torch::ScalarType dtype) {
  if (dtype != torch::kFloat32 && dtype != torch::kFloat16 && dtype != torch::kBFloat16)
    throw UsageError("models are saved as float32, float16 or bfloat16");
  std::map<std::string, std::string> metadata = extra_metadata;
  metadata["format"] = kFormatName;
  metadata["format_version"] = std::to_string(kFormatVersion);
  metadata["mae_config"] = model_config_json(model->config());
  std::vector<torch::Tensor> keep_alive;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, t] : model_state_dict(model)) {
    keep_alive.push_back(t.detach().to(torch::kCPU, dtype).contiguous());
    const auto& c = keep_alive.back();
    entries.push_back({name, dtype_of(dtype), c.sizes().vec(), c.data_ptr(), c.nbytes()});
  }
  write_safetensors(path, entries, metadata);
}

} // namespace mae

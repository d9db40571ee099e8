#include "model/model_config.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/nearest_name.h"
#include "base/plural.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace mae {

// Defined in the generated builtin_configs.cpp.
const std::vector<std::pair<std::string, std::string>>& builtin_model_configs();

namespace {

const char* const kKeys[] = {
    "img_size",      "patch_size",        "in_chans",      "embed_dim",         "depth",
    "num_heads",     "decoder_embed_dim", "decoder_depth", "decoder_num_heads", "mlp_ratio",
    "norm_pix_loss", "layer_norm_eps",    "mask_ratio",    "encoder_mask_token"};

// Bounds on what a config may ask for: a config is often read from a file,
// and every size in it becomes an allocation. Far above the paper's ViT-H.
constexpr int kMaxImgSize = 16384;
constexpr int kMaxPatches = 65536; // 4096 px at patch 16
constexpr int kMaxWidth = 8192;
constexpr int kMaxDepth = 512;
constexpr double kMaxParams = 2e9;

void in_range(int value, int lo, int hi, const char* field) {
  require_field(value >= lo && value <= hi, field,
                "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                    std::to_string(value));
}

// Weights of the blocks, embeddings and heads, as the model will allocate them.
double estimated_params(const ModelConfig& c) {
  const double d = c.embed_dim, dd = c.decoder_embed_dim, tokens = c.num_patches() + 1.0;
  const double patch = static_cast<double>(c.patch_size) * c.patch_size * c.in_chans;
  return c.depth * (4 * d * d + 2 * d * c.mlp_hidden()) + tokens * (d + dd) + patch * (d + dd) +
         c.decoder_depth * (4 * dd * dd + 2 * dd * c.decoder_mlp_hidden()) + d * dd;
}

} // namespace

void ModelConfig::validate() const {
  in_range(img_size, 1, kMaxImgSize, "img_size");
  in_range(patch_size, 1, img_size, "patch_size");
  require_field(img_size % patch_size == 0, "img_size",
                std::to_string(img_size) + " is not divisible by patch_size " +
                    std::to_string(patch_size));
  require_field(grid_size() <= kMaxPatches / grid_size(), "img_size",
                std::to_string(img_size) + " px at patch_size " + std::to_string(patch_size) +
                    " makes more than " + std::to_string(kMaxPatches) + " patches");
  in_range(in_chans, 1, 16, "in_chans");
  in_range(embed_dim, 1, kMaxWidth, "embed_dim");
  in_range(depth, 0, kMaxDepth, "depth");
  in_range(num_heads, 1, embed_dim, "num_heads");
  require_field(embed_dim % num_heads == 0, "num_heads",
                "embed_dim " + std::to_string(embed_dim) + " is not divisible by num_heads " +
                    std::to_string(num_heads));
  // The 2D sin-cos embedding splits the width into four equal parts.
  require_field(embed_dim % 4 == 0, "embed_dim",
                "must be a multiple of 4 for 2D sin-cos position embeddings, got " +
                    std::to_string(embed_dim));
  in_range(decoder_embed_dim, 1, kMaxWidth, "decoder_embed_dim");
  require_field(decoder_embed_dim % 4 == 0, "decoder_embed_dim",
                "must be a multiple of 4 for 2D sin-cos position embeddings, got " +
                    std::to_string(decoder_embed_dim));
  in_range(decoder_depth, 0, kMaxDepth, "decoder_depth");
  in_range(decoder_num_heads, 1, decoder_embed_dim, "decoder_num_heads");
  require_field(decoder_embed_dim % decoder_num_heads == 0, "decoder_num_heads",
                "decoder_embed_dim " + std::to_string(decoder_embed_dim) +
                    " is not divisible by decoder_num_heads " + std::to_string(decoder_num_heads));
  require_field(std::isfinite(mlp_ratio) && mlp_ratio > 0 && mlp_ratio <= 64, "mlp_ratio",
                "must be in (0, 64]");
  require_field(mlp_hidden() > 0 && decoder_mlp_hidden() > 0, "mlp_ratio", "gives an empty MLP");
  require_field(std::isfinite(layer_norm_eps) && layer_norm_eps > 0 && layer_norm_eps < 1,
                "layer_norm_eps", "must be in (0, 1)");
  require_field(std::isfinite(mask_ratio) && mask_ratio >= 0 && mask_ratio < 1, "mask_ratio",
                "must be in [0, 1), got " + std::to_string(mask_ratio));
  require_field(estimated_params(*this) <= kMaxParams, "depth",
                "the architecture has about " +
                    std::to_string(static_cast<long long>(estimated_params(*this) / 1e6)) +
                    " M parameters, more than the " +
                    std::to_string(static_cast<long long>(kMaxParams / 1e6)) +
                    " M this tool builds");
}

std::string ModelConfig::summary(bool with_decoder) const {
  std::ostringstream s;
  s << "ViT encoder " << embed_dim << "x" << depth << " (" << count_of(num_heads, "head") << "), ";
  if (with_decoder)
    s << "decoder " << decoder_embed_dim << "x" << decoder_depth << " ("
      << count_of(decoder_num_heads, "head") << ")";
  else
    s << "no decoder";
  s << ", patch " << patch_size << ", " << img_size << "px, " << in_chans
    << (in_chans == 1 ? " channel" : " channels");
  if (norm_pix_loss)
    s << ", norm-pix targets";
  if (encoder_mask_token)
    s << ", encoder with mask tokens";
  return s.str();
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  return img_size == o.img_size && patch_size == o.patch_size && in_chans == o.in_chans &&
         embed_dim == o.embed_dim && depth == o.depth && num_heads == o.num_heads &&
         decoder_embed_dim == o.decoder_embed_dim && decoder_depth == o.decoder_depth &&
         decoder_num_heads == o.decoder_num_heads && mlp_ratio == o.mlp_ratio &&
         norm_pix_loss == o.norm_pix_loss && layer_norm_eps == o.layer_norm_eps &&
         mask_ratio == o.mask_ratio && encoder_mask_token == o.encoder_mask_token;
}

void to_json(nlohmann::json& j, const ModelConfig& c) {
  j = nlohmann::json{{"img_size", c.img_size},
                     {"patch_size", c.patch_size},
                     {"in_chans", c.in_chans},
                     {"embed_dim", c.embed_dim},
                     {"depth", c.depth},
                     {"num_heads", c.num_heads},
                     {"decoder_embed_dim", c.decoder_embed_dim},
                     {"decoder_depth", c.decoder_depth},
                     {"decoder_num_heads", c.decoder_num_heads},
                     {"mlp_ratio", c.mlp_ratio},
                     {"norm_pix_loss", c.norm_pix_loss},
                     {"layer_norm_eps", c.layer_norm_eps},
                     {"mask_ratio", c.mask_ratio}};
  if (c.encoder_mask_token)
    j["encoder_mask_token"] = true;
}

void from_json(const nlohmann::json& j, ModelConfig& c) {
  if (!j.is_object())
    throw ConfigError("model config must be a JSON object");
  // A name and free-text notes are allowed; anything else is most likely a typo.
  std::set<std::string> known(std::begin(kKeys), std::end(kKeys));
  known.insert("name");
  check_known_fields(j, known);
  read_field(j, "img_size", c.img_size);
  read_field(j, "patch_size", c.patch_size);
  read_field(j, "in_chans", c.in_chans);
  read_field(j, "embed_dim", c.embed_dim);
  read_field(j, "depth", c.depth);
  read_field(j, "num_heads", c.num_heads);
  read_field(j, "decoder_embed_dim", c.decoder_embed_dim);
  read_field(j, "decoder_depth", c.decoder_depth);
  read_field(j, "decoder_num_heads", c.decoder_num_heads);
  read_field(j, "mlp_ratio", c.mlp_ratio);
  read_field(j, "norm_pix_loss", c.norm_pix_loss);
  read_field(j, "layer_norm_eps", c.layer_norm_eps);
  read_field(j, "mask_ratio", c.mask_ratio);
  read_field(j, "encoder_mask_token", c.encoder_mask_token);
}

ModelConfig parse_model_config(const std::string& json_text, const std::string& label) {
  return parse_config_json<ModelConfig>(json_text, label);
}

ModelConfig load_model_config(const std::string& path) {
  return parse_model_config(read_config_file(path, "config file"), path);
}

std::string model_config_json(const ModelConfig& c) {
  nlohmann::json j = c;
  return j.dump();
}

namespace {

// `message` (about our fields) in the words of a HuggingFace config.json: a
// user who wrote num_channels is not told about in_chans.
std::string in_hf_names(std::string message) {
  static const std::pair<const char*, const char*> names[] = {
      {"img_size", "image_size"},
      {"in_chans", "num_channels"},
      {"embed_dim", "hidden_size"},
      {"depth", "num_hidden_layers"},
      {"num_heads", "num_attention_heads"},
      {"decoder_embed_dim", "decoder_hidden_size"},
      {"decoder_depth", "decoder_num_hidden_layers"},
      {"decoder_num_heads", "decoder_num_attention_heads"},
      {"mlp_ratio", "intermediate_size / hidden_size"}};
  const auto word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  };
  std::string out;
  for (size_t i = 0; i < message.size();) {
    size_t end = i;
    while (end < message.size() && word_char(message[end]))
      ++end;
    if (end == i) {
      out += message[i++];
      continue;
    }
    std::string word = message.substr(i, end - i);
    for (const auto& [ours, theirs] : names)
      if (word == ours)
        word = theirs;
    out += word;
    i = end;
  }
  return out;
}

// The config.json keys that shape the model, each with ViTMAEConfig's
// default (ViT-B/16) as JSON text.
struct HfShapeKey {
  const char* name;
  const char* fallback;
};
constexpr HfShapeKey kHfShapeKeys[] = {{"image_size", "224"},
                                       {"patch_size", "16"},
                                       {"num_channels", "3"},
                                       {"hidden_size", "768"},
                                       {"num_hidden_layers", "12"},
                                       {"num_attention_heads", "12"},
                                       {"intermediate_size", "3072"},
                                       {"decoder_hidden_size", "512"},
                                       {"decoder_num_hidden_layers", "8"},
                                       {"decoder_num_attention_heads", "16"},
                                       {"decoder_intermediate_size", "2048"},
                                       {"norm_pix_loss", "false"},
                                       {"layer_norm_eps", "1e-12"},
                                       {"mask_ratio", "0.75"}};

// transformers fills a missing key with its default and ignores a misspelt
// one, so "hiden_size" would build a ViT-B and blame the weights: a key one
// typo away from an absent shape key is refused, and every absent shape key
// is named in `defaulted`.
void check_hf_keys(const nlohmann::json& hf, const std::string& label,
                   std::vector<std::string>* defaulted) {
  std::vector<std::string> absent;
  for (const HfShapeKey& k : kHfShapeKeys)
    if (!hf.contains(k.name))
      absent.push_back(k.name);
  for (const auto& item : hf.items()) {
    const std::string near = nearest_name(item.key(), absent);
    if (!near.empty())
      throw ConfigError(label + ": unknown key '" + item.key() + "' (did you mean '" + near +
                        "'?)");
  }
  if (defaulted)
    for (const HfShapeKey& k : kHfShapeKeys)
      if (!hf.contains(k.name))
        defaulted->push_back(label + " has no " + k.name + ": HuggingFace's default " + k.fallback +
                             " taken");
}

// The field, type- and range-checked (2^32 + 768 is no 768), or its default.
template <typename T>
T hf_field(const nlohmann::json& hf, const char* key, const std::string& label) {
  T value{};
  for (const HfShapeKey& k : kHfShapeKeys)
    if (std::string(k.name) == key)
      value = nlohmann::json::parse(k.fallback).get<T>();
  try {
    read_field(hf, key, value);
  } catch (const ConfigError& e) {
    throw ConfigError(label + ": " + e.what());
  }
  return value;
}

} // namespace

ModelConfig model_config_from_hf(const nlohmann::json& hf, const std::string& label,
                                 std::vector<std::string>* defaulted) {
  if (!hf.is_object())
    throw ConfigError(label + ": config.json must be a JSON object");
  check_hf_keys(hf, label, defaulted);
  if (hf.contains("model_type") && hf["model_type"] != "vit_mae")
    throw ConfigError(label + ": model_type is " + hf["model_type"].dump() +
                      ", expected \"vit_mae\"");
  if (hf.contains("hidden_act") && hf["hidden_act"] != "gelu")
    throw ConfigError(label + ": hidden_act " + hf["hidden_act"].dump() +
                      " is not supported (only gelu)");
  if (hf.contains("qkv_bias") && !hf["qkv_bias"].is_boolean())
    throw ConfigError(label + ": qkv_bias must be true or false, not " +
                      hf["qkv_bias"].dump().substr(0, 40));
  if (hf.contains("qkv_bias") && hf["qkv_bias"] != true)
    throw ConfigError(label + ": qkv_bias false is not supported");

  ModelConfig c;
  c.img_size = hf_field<int>(hf, "image_size", label);
  c.patch_size = hf_field<int>(hf, "patch_size", label);
  c.in_chans = hf_field<int>(hf, "num_channels", label);
  c.embed_dim = hf_field<int>(hf, "hidden_size", label);
  c.depth = hf_field<int>(hf, "num_hidden_layers", label);
  c.num_heads = hf_field<int>(hf, "num_attention_heads", label);
  c.decoder_embed_dim = hf_field<int>(hf, "decoder_hidden_size", label);
  c.decoder_depth = hf_field<int>(hf, "decoder_num_hidden_layers", label);
  c.decoder_num_heads = hf_field<int>(hf, "decoder_num_attention_heads", label);
  const int intermediate = hf_field<int>(hf, "intermediate_size", label);
  const int decoder_intermediate = hf_field<int>(hf, "decoder_intermediate_size", label);
  c.mlp_ratio = static_cast<double>(intermediate) / c.embed_dim;
  c.norm_pix_loss = hf_field<bool>(hf, "norm_pix_loss", label); // "yes" is a type error
  c.layer_norm_eps = hf_field<double>(hf, "layer_norm_eps", label);
  c.mask_ratio = hf_field<double>(hf, "mask_ratio", label);
  try {
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(label + ": " + in_hf_names(e.what()));
  }
  // One mlp_ratio serves both halves in the official model.
  if (c.decoder_mlp_hidden() != decoder_intermediate || c.mlp_hidden() != intermediate)
    throw ConfigError(label + ": decoder_intermediate_size " +
                      std::to_string(decoder_intermediate) + " does not match mlp ratio " +
                      std::to_string(c.mlp_ratio) +
                      " of the encoder; only one mlp_ratio is supported");
  return c;
}

std::vector<std::string> builtin_model_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin_model_configs())
    names.push_back(name);
  return names;
}

ModelConfig builtin_model_config(const std::string& name) {
  for (const auto& [n, text] : builtin_model_configs())
    if (n == name)
      return parse_model_config(text, "configs/models/" + n + ".json");
  std::string known;
  for (const auto& n : builtin_model_names())
    known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown architecture '" + name + "'" +
                    did_you_mean(name, builtin_model_names()) + "; known: " + known);
}

} // namespace mae

// HuggingFace ViTMAE key names -> facebookresearch/mae key names.
#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/layer_key.h"

#include <torch/torch.h>

#include <map>
#include <optional>

namespace mae {
namespace {

// "attention.attention.<query|key|value>.<weight|bias>": the slot in the fused
// qkv (0, 1, 2) and "weight" or "bias".
std::optional<std::pair<size_t, std::string>> qkv_piece(const std::string& rest) {
  const std::string head = "attention.attention.";
  if (rest.rfind(head, 0) != 0)
    return std::nullopt;
  const char* const parts[] = {"query", "key", "value"};
  for (size_t slot = 0; slot < 3; ++slot)
    for (const char* kind : {"weight", "bias"})
      if (rest == head + parts[slot] + "." + kind)
        return std::make_pair(slot, std::string(kind));
  return std::nullopt;
}

// Per-layer suffixes shared by the encoder and decoder layers.
const std::pair<const char*, const char*> kLayerSuffixes[] = {
    {"attention.output.dense.", "attn.proj."},
    {"intermediate.dense.", "mlp.fc1."},
    {"output.dense.", "mlp.fc2."},
    {"layernorm_before.", "norm1."},
    {"layernorm_after.", "norm2."},
};

const std::pair<const char*, const char*> kFixedNames[] = {
    {"embeddings.cls_token", "cls_token"},
    {"embeddings.position_embeddings", "pos_embed"},
    {"embeddings.patch_embeddings.projection.weight", "patch_embed.proj.weight"},
    {"embeddings.patch_embeddings.projection.bias", "patch_embed.proj.bias"},
    {"layernorm.weight", "norm.weight"},
    {"layernorm.bias", "norm.bias"},
    {"decoder.mask_token", "mask_token"},
    {"decoder.decoder_pos_embed", "decoder_pos_embed"},
    {"decoder.decoder_embed.weight", "decoder_embed.weight"},
    {"decoder.decoder_embed.bias", "decoder_embed.bias"},
    {"decoder.decoder_norm.weight", "decoder_norm.weight"},
    {"decoder.decoder_norm.bias", "decoder_norm.bias"},
    {"decoder.decoder_pred.weight", "decoder_pred.weight"},
    {"decoder.decoder_pred.bias", "decoder_pred.bias"},
};

std::string strip_vit_prefix(const std::string& name) {
  return name.rfind("vit.", 0) == 0 ? name.substr(4) : name;
}

} // namespace

bool is_hf_layout(const StateDict& tensors) {
  for (const auto& [name, t] : tensors) {
    const std::string n = strip_vit_prefix(name);
    if (n.rfind("embeddings.", 0) == 0 || n.rfind("encoder.layer.", 0) == 0 ||
        n.rfind("decoder.decoder_", 0) == 0)
      return true;
  }
  return false;
}

StateDict official_from_hf(const StateDict& hf, const std::string& label) {
  // encoder.layer.N.* (ViTMAEModel / ViTMAEForPreTraining), decoder.decoder_layers.N.*
  // (hub checkpoints) and decoder.decoder_encoder.layer.N.* (transformers 5).
  const std::pair<const char*, const char*> layer_prefixes[] = {
      {"encoder.layer", "blocks."},
      {"decoder.decoder_layers", "decoder_blocks."},
      {"decoder.decoder_encoder.layer", "decoder_blocks."}};
  StateDict out;
  // q, k, v pieces per fused key, in that order.
  std::map<std::string, std::array<torch::Tensor, 3>> qkv;
  std::vector<std::string> qkv_order;
  std::vector<std::string> unknown;
  for (const auto& [raw_name, tensor] : hf) {
    const std::string name = strip_vit_prefix(raw_name);
    bool mapped = false;
    for (const auto& [from, to] : kFixedNames)
      if (name == from)
        out.emplace_back(to, tensor), mapped = true;
    std::optional<LayerKey> layer;
    std::string prefix;
    for (const auto& [from, to] : layer_prefixes)
      if (!mapped && !layer && (layer = layer_key(name, from)))
        prefix = to + std::to_string(layer->index) + ".";
    if (layer) {
      const std::string& rest = layer->rest;
      if (const auto piece = qkv_piece(rest)) {
        const std::string fused = prefix + "attn.qkv." + piece->second;
        if (!qkv.count(fused))
          qkv_order.push_back(fused);
        qkv[fused][piece->first] = tensor;
        mapped = true;
      } else {
        for (const auto& [from, to] : kLayerSuffixes)
          if (rest.rfind(from, 0) == 0 && !mapped)
            out.emplace_back(prefix + to + rest.substr(std::string(from).size()), tensor),
                mapped = true;
      }
    }
    if (!mapped)
      unknown.push_back(raw_name);
  }
  if (!unknown.empty()) {
    std::string list;
    for (size_t i = 0; i < unknown.size() && i < 10; ++i)
      list += "\n  " + unknown[i];
    if (unknown.size() > 10)
      list += "\n  ... and " + std::to_string(unknown.size() - 10) + " more";
    throw CheckpointError(label + ": unexpected keys in a HuggingFace ViTMAE checkpoint:" + list);
  }
  for (const auto& fused : qkv_order) {
    const auto& parts = qkv[fused];
    for (int i = 0; i < 3; ++i)
      if (!parts[static_cast<size_t>(i)].defined())
        throw CheckpointError(label + ": missing the " +
                              std::string(i == 0   ? "query"
                                          : i == 1 ? "key"
                                                   : "value") +
                              " part of " + fused);
    if (parts[0].sizes() != parts[1].sizes() || parts[0].sizes() != parts[2].sizes())
      throw CheckpointError(label + ": query, key and value of " + fused + " differ in shape");
    out.emplace_back(fused, torch::cat({parts[0], parts[1], parts[2]}, 0));
  }
  return out;
}

} // namespace mae

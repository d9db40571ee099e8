// HuggingFace ViTMAE key names -> facebookresearch/mae key names.
#include "base/errors.h"
#include "checkpoint/checkpoint.h"

#include <torch/torch.h>

#include <map>
#include <regex>

namespace mae {
namespace {

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
  static const std::regex layer_re(
      R"(^(encoder\.layer|decoder\.decoder_layers|decoder\.decoder_encoder\.layer)\.(\d+)\.(.*)$)");
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
    std::smatch m;
    if (!mapped && std::regex_match(name, m, layer_re)) {
      const std::string prefix =
          (m[1] == "encoder.layer" ? "blocks." : "decoder_blocks.") + m[2].str() + ".";
      const std::string rest = m[3];
      static const std::regex qkv_re(R"(^attention\.attention\.(query|key|value)\.(weight|bias)$)");
      std::smatch q;
      if (std::regex_match(rest, q, qkv_re)) {
        const std::string fused = prefix + "attn.qkv." + q[2].str();
        const int slot = q[1] == "query" ? 0 : q[1] == "key" ? 1 : 2;
        if (!qkv.count(fused))
          qkv_order.push_back(fused);
        qkv[fused][slot] = tensor;
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

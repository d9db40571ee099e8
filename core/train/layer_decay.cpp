#include "train/layer_decay.h"

#include <cmath>
#include <map>

namespace mae {

int64_t vit_layer_id(const std::string& name, int64_t depth) {
  const std::string stem = name.rfind("encoder.", 0) == 0 ? name.substr(8) : name;
  if (stem == "cls_token" || stem == "pos_embed" || stem == "encoder_mask_token" ||
      stem.rfind("patch_embed.", 0) == 0)
    return 0;
  if (stem.rfind("blocks.", 0) == 0)
    return std::stoll(stem.substr(7, stem.find('.', 7) - 7)) + 1;
  return depth + 1;
}

std::vector<LayerGroup> layer_decay_groups(const torch::nn::Module& model, int64_t depth,
                                           double decay, double weight_decay) {
  // Keyed by (layer, decayed?): the official code's "layer_i_decay" / "layer_i_no_decay".
  std::map<std::pair<int64_t, bool>, LayerGroup> groups;
  for (const auto& p : model.named_parameters()) {
    if (!p.value().requires_grad())
      continue;
    const std::string& name = p.key();
    const bool decayed = p.value().dim() > 1 && name.find("cls_token") == std::string::npos &&
                         name.find("pos_embed") == std::string::npos;
    const int64_t layer = vit_layer_id(name, depth);
    LayerGroup& g = groups[{layer, decayed}];
    g.layer = layer;
    g.lr_scale = std::pow(decay, static_cast<double>(depth + 1 - layer));
    g.weight_decay = decayed ? weight_decay : 0.0;
    g.names.push_back(name);
    g.params.push_back(p.value());
  }
  std::vector<LayerGroup> out;
  for (auto& [key, g] : groups)
    out.push_back(std::move(g));
  return out;
}

} // namespace mae

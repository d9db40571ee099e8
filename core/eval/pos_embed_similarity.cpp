#include "eval/pos_embed_similarity.h"

#include "base/errors.h"

#include <torch/torch.h>

namespace mae {

torch::Tensor pos_embed_similarity(const torch::Tensor& pos) {
  torch::Tensor rows;
  if (pos.dim() == 3 && pos.size(0) == 1 && pos.size(1) >= 2)
    rows = pos[0].slice(0, 1);
  else if (pos.dim() == 2)
    rows = pos;
  else
    throw UsageError("position embeddings must be [1, 1 + L, D] or [L, D]");
  torch::NoGradGuard no_grad;
  const auto unit = torch::nn::functional::normalize(
      rows.to(torch::kFloat32), torch::nn::functional::NormalizeFuncOptions().dim(1));
  return torch::matmul(unit, unit.t());
}

PosEmbedGrid pos_embed_grid(const MaskedAutoencoderViT& model, AttentionStack stack) {
  const bool encoder = stack == AttentionStack::Encoder;
  if (!encoder && !model->has_decoder())
    throw UsageError("this is an encoder-only checkpoint: it has no decoder position embeddings");
  const auto sim = pos_embed_similarity(encoder ? model->pos_embed : model->decoder_pos_embed)
                       .to(torch::kCPU)
                       .contiguous();
  PosEmbedGrid grid;
  grid.stack = stack;
  grid.grid_h = grid.grid_w = model->config().grid_size();
  if (sim.size(0) != static_cast<int64_t>(grid.grid_h) * grid.grid_w)
    throw UsageError("the position table has " + std::to_string(sim.size(0)) +
                     " patch rows, not the config's " + std::to_string(grid.grid_h) + "x" +
                     std::to_string(grid.grid_w) + " grid");
  grid.similarity.assign(sim.data_ptr<float>(), sim.data_ptr<float>() + sim.numel());
  return grid;
}

} // namespace mae

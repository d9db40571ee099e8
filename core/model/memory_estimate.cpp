#include "model/memory_estimate.h"

#include "model/masking_types.h"

#include <algorithm>

namespace mae {
namespace {

int64_t block_params(int64_t d, int64_t hidden) {
  const int64_t attention = 3 * d * d + 3 * d + d * d + d;
  const int64_t mlp = d * hidden + hidden + hidden * d + d;
  return attention + mlp + 4 * d; // + two LayerNorms
}

// Values a pre-norm block keeps per image for its backward pass over n tokens.
double block_activations(double n, double d, double hidden, double heads) {
  // norm1, qkv (3), scaled q, attention output, proj, residual, norm2: 10 d;
  // fc1 and GELU: 2 hidden; softmax output: heads x n^2.
  return n * (10.0 * d + 2.0 * hidden) + heads * n * n;
}

} // namespace

int64_t mae_parameter_count(const ModelConfig& c) {
  const int64_t D = c.embed_dim, Dd = c.decoder_embed_dim, L = c.num_patches(), P = c.patch_dim();
  const int64_t encoder =
      P * D + D + D + (L + 1) * D + c.depth * block_params(D, c.mlp_hidden()) + 2 * D;
  const int64_t decoder = D * Dd + Dd + Dd + (L + 1) * Dd +
                          c.decoder_depth * block_params(Dd, c.decoder_mlp_hidden()) + 2 * Dd +
                          Dd * P + P;
  return encoder + decoder;
}

TrainMemory mae_forward_memory(const ModelConfig& c, double mask_ratio) {
  const double L = c.num_patches();
  const double keep = static_cast<double>(num_kept(c.num_patches(), mask_ratio));
  const double block = std::max(
      block_activations(1 + keep, c.embed_dim, c.mlp_hidden(), c.num_heads),
      block_activations(1 + L, c.decoder_embed_dim, c.decoder_mlp_hidden(), c.decoder_num_heads));
  const double image = static_cast<double>(c.in_chans) * c.img_size * c.img_size;
  TrainMemory m;
  m.fixed_bytes = 4.0 * static_cast<double>(mae_parameter_count(c));
  m.per_image_bytes = 4.0 * (2 * image + block);
  return m;
}

TrainMemory mae_train_memory(const ModelConfig& c, double mask_ratio) {
  const double L = c.num_patches();
  const double keep = static_cast<double>(num_kept(c.num_patches(), mask_ratio));
  const double encoder =
      c.depth * block_activations(1 + keep, c.embed_dim, c.mlp_hidden(), c.num_heads);
  const double decoder =
      c.decoder_depth *
      block_activations(1 + L, c.decoder_embed_dim, c.decoder_mlp_hidden(), c.decoder_num_heads);
  const double image = static_cast<double>(c.in_chans) * c.img_size * c.img_size;
  TrainMemory m;
  m.fixed_bytes = 4.0 * 4.0 * static_cast<double>(mae_parameter_count(c));
  m.per_image_bytes = 4.0 * (image + encoder + decoder);
  return m;
}

} // namespace mae

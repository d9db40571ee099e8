#include "model/flops.h"

#include "model/masking_types.h"

namespace mae {
namespace {

// `depth` pre-norm blocks over n tokens of width d with an MLP of `hidden`:
// qkv (3d^2), proj (d^2), fc1 and fc2 (2 d hidden) products, plus q.k^T and attn.v (2 n^2 d).
double blocks_flops(double n, double d, double hidden, double depth) {
  return depth * (2.0 * n * (4.0 * d * d + 2.0 * d * hidden) + 4.0 * n * n * d);
}

} // namespace

double encoder_blocks_flops(const ModelConfig& c, double tokens) {
  return blocks_flops(tokens, c.embed_dim, c.mlp_hidden(), c.depth);
}

double mae_forward_flops(const ModelConfig& c, double mask_ratio) {
  const double L = c.num_patches();
  const double keep = static_cast<double>(num_kept(c.num_patches(), mask_ratio));
  const double D = c.embed_dim, Dd = c.decoder_embed_dim, P = c.patch_dim();
  // The official model embeds every patch (we embed only the kept ones): the
  // count follows the official model, so TFLOP/s compare across implementations.
  const double patch_embed = 2.0 * L * P * D;
  const double encoder = encoder_blocks_flops(c, 1 + keep);
  const double decoder_embed = 2.0 * (1 + keep) * D * Dd;
  const double decoder = blocks_flops(1 + L, Dd, c.decoder_mlp_hidden(), c.decoder_depth);
  const double pred = 2.0 * (1 + L) * Dd * P;
  return patch_embed + encoder + decoder_embed + decoder + pred;
}

} // namespace mae

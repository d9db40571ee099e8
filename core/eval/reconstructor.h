// A loaded model ready to reconstruct pictures: what the GUI's worker thread
// and `mae reconstruct` use. Torch stays behind this header, so callers
// compile without it. Not thread-safe: use one Reconstructor from one thread.
#pragma once

#include "data/image.h"
#include "eval/attention_map.h"
#include "eval/forward_trace.h"
#include "eval/pos_embed_grid.h"
#include "model/masking_types.h"
#include "model/model_info.h"

#include <memory>
#include <string>
#include <vector>

namespace mae {

struct ReconstructionResult {
  // All at the input's resolution, 8-bit, the model's channel count.
  Image masked;                 // removed patches filled with the mean colour
  Image reconstruction;         // the decoder's prediction for every patch
  Image reconstruction_visible; // prediction where removed, input where visible
  Image original;
  int grid_h = 0, grid_w = 0, patch_size = 0;
  std::vector<uint8_t> mask;                 // grid_h * grid_w, 1 = removed
  std::vector<float> patch_error;            // per-patch MSE of the reconstruction, [0,1] pixels
  double masked_mse = 0;                     // MSE over removed pixels, [0,1] pixel space
  double loss = 0;                           // the model's training loss on this input
  bool denormalised_with_true_stats = false; // norm-pix models
  bool finite = true;                        // false: NaN or infinite output (broken weights)
  ForwardTrace trace;                        // the stages when asked for (run's `trace`)
  double trace_ms = 0;                       // of inference_ms, what tracing them took
  double inference_ms = 0;
};

class Reconstructor {
public:
  // Throws CheckpointError / ConfigError / UsageError.
  static std::unique_ptr<Reconstructor> load(const std::string& path,
                                             const LoadOptions& options = {},
                                             const std::string& device = "auto");
  ~Reconstructor();

  const ModelInfo& info() const;
  // For measurements that NaN weights would make meaningless (eval-recon's
  // errors would be those of NaN turned into pixels): CheckpointError naming
  // the tensors and `use`.
  void require_finite_weights(const std::string& use) const;
  // `image` must have the model's channel count and sides that are multiples
  // of the patch size (resize_center_crop to the model's img_size does it).
  // `trace`: also fill result.trace, the How-it-works stages (a few ms more).
  ReconstructionResult run(const Image& image, const MaskSettings& settings, bool trace = false);
  // Where `query` attends in `image` masked by `settings` (eval/attention_maps.h): one
  // forward through the query's stack, the real weights. Encoder queries work on
  // encoder-only checkpoints. Throws UsageError for indices out of range.
  AttentionMap attention(const Image& image, const MaskSettings& settings,
                         const AttentionQuery& query);
  // The cosine similarity of the encoder's or the decoder's position embeddings.
  PosEmbedGrid pos_embed_grid(AttentionStack stack) const;

  void set_normalization(const Normalization& n);

  struct Impl;

private:
  explicit Reconstructor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace mae

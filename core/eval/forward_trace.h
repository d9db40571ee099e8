// The stages of one forward pass, for the app's "How it works" view: what the
// masking drew, what the encoder saw and made of it, what the decoder was
// given, and the loss patch by patch. Taken from the same forward as the
// reconstruction (no second pass), on the host, torch-free.
#pragma once

#include <cstdint>
#include <vector>

namespace mae {

struct ForwardTrace {
  int patches = 0; // L
  // Per patch, the score the masking sorted: the `kept.size()` lowest are kept.
  std::vector<float> scores;
  // The patches the encoder sees, in the order it sees them.
  std::vector<int> kept;
  // RGB per kept token (kept order): the encoder output's first three
  // principal components, each stretched to [0, 255].
  std::vector<uint8_t> latent_rgb;
  // RGB per patch: the decoder input tokens (visible latents and the shared
  // mask token, each plus its position embedding) by the same kind of PCA.
  std::vector<uint8_t> decoder_rgb;
  // Per patch, the squared error of the prediction in the loss's target space
  // (per-patch normalised pixels for norm-pix models), averaged over the
  // patch. The loss is its mean over removed patches.
  std::vector<float> patch_loss;
  // The encoder's blocks over 1 + kept tokens, and over 1 + L.
  double encoder_flops = 0, full_encoder_flops = 0;
};

} // namespace mae

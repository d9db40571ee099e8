// Small model configs for tests: sizes that run in milliseconds on a CPU.
#pragma once

#include "model/model_config.h"

namespace mae::test {

// img/patch/chans, then encoder embed/depth/heads, then decoder embed/depth/heads.
inline ModelConfig model_config(int img, int patch, int chans, int embed, int depth, int heads,
                                int dec_embed, int dec_depth, int dec_heads, double mlp = 4.0) {
  ModelConfig m;
  m.img_size = img;
  m.patch_size = patch;
  m.in_chans = chans;
  m.embed_dim = embed;
  m.depth = depth;
  m.num_heads = heads;
  m.decoder_embed_dim = dec_embed;
  m.decoder_depth = dec_depth;
  m.decoder_num_heads = dec_heads;
  m.mlp_ratio = mlp;
  return m;
}

// 16 px, patch 4 (a 4 x 4 grid), one block each side: the training tests' model.
inline ModelConfig tiny_model(int channels = 1) {
  return model_config(16, 4, channels, 32, 1, 2, 16, 1, 2, 2.0);
}

} // namespace mae::test

// Said beside a norm-pix model's scores: to be shown in pixels, its removed
// patches take their true mean and spread, which no baseline sees.
#pragma once

#include "model/model_config.h"

#include <cstdio>

namespace mae::cli {

inline void note_norm_pix_scores(const ModelConfig& c, const char* command) {
  if (c.norm_pix_loss)
    std::fprintf(stderr,
                 "mae %s: note: this model predicts each removed patch up to its mean and spread "
                 "(norm_pix_loss): to be scored in pixels, it is given their true values, which "
                 "no baseline (Telea, mean-fill) sees: its MSE is flattered\n",
                 command);
}

} // namespace mae::cli

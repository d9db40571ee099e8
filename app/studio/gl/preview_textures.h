// GPU copies of a training snapshot's preview images, uploaded only when
// the previews change (another run, or a new preview_step), not every frame.
#pragma once

#include "gl/texture.h"

#include "train/training_session.h"

#include <cstdint>
#include <vector>

namespace mae::studio {

struct PreviewTexture {
  Texture masked, reconstruction_visible, original;
};

class PreviewTextures {
public:
  // `session_id` tells runs apart: each starts again from step 0.
  void sync(uint64_t session_id, const TrainingSnapshot* snapshot);
  const std::vector<PreviewTexture>& items() const { return items_; }
  int64_t step() const { return step_; }

private:
  uint64_t session_ = 0;
  int64_t step_ = -1;
  std::vector<PreviewTexture> items_;
};

} // namespace mae::studio

// GPU copies of the pictures in a ReconstructionSet, uploaded once when a
// new set arrives rather than every frame.
#pragma once

#include "gl/texture.h"
#include "workers/inference_worker.h"

#include <memory>
#include <vector>

namespace mae::studio {

struct ReconstructionTextures {
  Texture masked, reconstruction, reconstruction_visible, original, telea, mean_fill;
  Texture mask;  // grid_w x grid_h
  Texture error; // grid_w x grid_h per-patch MSE
};

// What the error map shows: each removed patch's MSE, -1 for a visible one
// (drawn grey: the decoder's output there is in no loss). Its maximum is the
// top of the map's colour scale.
std::vector<float> removed_patch_errors(const ReconstructionResult& r);

class ResultTextures {
public:
  // Uploads `set` unless it is already the one on the GPU.
  void sync(const std::shared_ptr<const ReconstructionSet>& set);
  const std::vector<ReconstructionTextures>& items() const { return items_; }

private:
  std::shared_ptr<const ReconstructionSet> uploaded_;
  std::vector<ReconstructionTextures> items_;
};

} // namespace mae::studio

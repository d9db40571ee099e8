#include "gl/preview_textures.h"

namespace mae::studio {

void PreviewTextures::sync(uint64_t session_id, const TrainingSnapshot* snapshot) {
  if (!snapshot || (session_id == session_ && snapshot->preview_step == step_))
    return;
  session_ = session_id;
  step_ = snapshot->preview_step;
  items_.resize(snapshot->previews.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    const ReconstructionPreview& p = snapshot->previews[i];
    items_[i].masked.upload(p.masked);
    items_[i].reconstruction_visible.upload(p.reconstruction_visible);
    items_[i].original.upload(p.original);
  }
}

} // namespace mae::studio

#include "gl/result_textures.h"

namespace mae::studio {

std::vector<float> removed_patch_errors(const ReconstructionResult& r) {
  std::vector<float> errors = r.patch_error;
  for (size_t p = 0; p < errors.size() && p < r.mask.size(); ++p)
    if (!r.mask[p])
      errors[p] = -1.0f;
  return errors;
}

void ResultTextures::sync(const std::shared_ptr<const ReconstructionSet>& set) {
  if (set == uploaded_)
    return;
  uploaded_ = set;
  items_.clear();
  if (!set)
    return;
  items_.resize(set->items.size());
  for (size_t i = 0; i < set->items.size(); ++i) {
    const Reconstruction& r = set->items[i];
    ReconstructionTextures& t = items_[i];
    t.masked.upload(r.result.masked);
    t.reconstruction.upload(r.result.reconstruction);
    t.reconstruction_visible.upload(r.result.reconstruction_visible);
    t.original.upload(r.result.original);
    if (r.baselines_ready) {
      t.telea.upload(r.telea);
      t.mean_fill.upload(r.mean_fill);
    }
    t.mask.upload_bytes(r.result.mask, r.result.grid_w, r.result.grid_h);
    t.error.upload_floats(removed_patch_errors(r.result), r.result.grid_w, r.result.grid_h);
  }
}

} // namespace mae::studio

#include "gl/result_textures.h"

namespace mae::studio {

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
    // The error map shows what MAE reconstructs, the removed patches: a
    // visible one is -1, drawn grey (the decoder's output there is in no
    // loss and in no picture the app shows).
    std::vector<float> removed_error = r.result.patch_error;
    for (size_t p = 0; p < removed_error.size() && p < r.result.mask.size(); ++p)
      if (!r.result.mask[p])
        removed_error[p] = -1.0f;
    t.error.upload_floats(removed_error, r.result.grid_w, r.result.grid_h);
  }
}

} // namespace mae::studio

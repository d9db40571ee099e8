// previews.safetensors in a run folder: the preview rows (masked |
// reconstruction + visible | original of fixed held-out images) at the last
// k-NN probe, so that a run followed from another process (run_watch, the
// app's "Follow a run") shows them too. uint8 HWC tensors "<i>.masked",
// "<i>.reconstruction_visible", "<i>.original"; the step in the metadata.
// Torch-free.
#pragma once

#include "eval/reconstruction_preview.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mae {

constexpr const char* kPreviewFileName = "previews.safetensors";
constexpr int64_t kMostPreviewSide = 4096; // pixels; larger is not a preview file

struct PreviewFile {
  int64_t step = -1;
  std::vector<ReconstructionPreview> previews;
};

// Atomic. Throws CheckpointError on I/O errors.
void write_preview_file(const std::string& path, int64_t step,
                        const std::vector<ReconstructionPreview>& previews);
// Nothing (step -1) when the file is missing; CheckpointError when it is not
// a preview file (a wrong shape, a missing image).
PreviewFile read_preview_file(const std::string& path);

} // namespace mae

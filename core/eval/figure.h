// The paper's demo figure: panels side by side with titles and a caption,
// rendered with OpenCV so that the CLI and the GUI export the same PNG.
#pragma once

#include "data/image.h"
#include "eval/reconstruction_preview.h"
#include "eval/reconstructor.h"

#include <string>
#include <vector>

namespace mae {

struct FigurePanel {
  Image image;
  std::string title;
};

// Each panel is scaled (nearest-neighbour, integer factor when enlarging) to
// `panel_size` pixels square; `caption` lines go under the panels.
Image compose_figure(const std::vector<FigurePanel>& panels,
                     const std::vector<std::string>& caption, int panel_size = 224,
                     int columns = 0);

// masked | reconstruction | reconstruction + visible | original, with the
// settings, the masked-region error and, for norm-pix models, a note that
// patches were de-normalised with the true patches' statistics. What
// `mae reconstruct` writes and the GUI exports.
Image demo_figure(const ReconstructionResult& r, const std::string& model_label,
                  const MaskSettings& settings, int panel_size = 224);

// Training previews, one row each: masked | reconstruction + visible |
// original (the Training tab's rows; TensorBoard's "reconstructions" image).
Image preview_figure(const std::vector<ReconstructionPreview>& previews, int panel_size = 112);

} // namespace mae

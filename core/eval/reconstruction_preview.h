// A fixed held-out image, masked and reconstructed by the current weights:
// what the training panel shows every few steps. Torch-free.
#pragma once

#include "data/image.h"

namespace mae {

struct ReconstructionPreview {
  Image masked;                 // removed patches grey
  Image reconstruction_visible; // prediction where removed, input elsewhere
  Image original;
};

} // namespace mae

// Reads PyTorch torch.save checkpoints (the zip format, PyTorch >= 1.6)
// without torch: the archive's data.pkl is unpickled by a safe VM that never
// runs code, and each tensor becomes a view into the archive's storage bytes.
#pragma once

#include "formats/tensor_view.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mae {

struct PthFile {
  // The state dict in file order. Views honour storage offsets and strides
  // (non-contiguous views keep their strides); several may share a storage.
  TensorList tensors;
  // Top-level keys other than "model" ("optimizer", "epoch", "args", ...).
  std::vector<std::string> ignored_keys;
  // True if the state dict came from a top-level "model" key, false for a
  // bare state dict (e.g. HuggingFace pytorch_model.bin).
  bool had_model_key = false;
};

// Uses top-level["model"] if it is a dict, else the top level itself if all
// its values are tensors. Throws CheckpointError for anything else, for the
// legacy (pre-1.6) format, compressed archives, missing entries, unsupported
// tensor types, views that reach past their storage and views with more
// elements than their storage (expanded, stride 0).
PthFile read_pth(const std::string& path);
// `label` names the source in error messages (usually the path).
PthFile parse_pth(SharedBytes bytes, const std::string& label);

} // namespace mae

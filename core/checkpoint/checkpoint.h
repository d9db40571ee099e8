// Loading MAE weights from the formats people own, and saving ours.
//
// Formats: our .safetensors (official key names, config in __metadata__),
// HuggingFace ViTMAE (directory or model.safetensors beside config.json, hub
// and transformers-5 key layouts, also pytorch_model.bin), and official
// facebookresearch/mae .pth files (torch.save zip format).
#pragma once

#include "model/mae_model.h"
#include "model/model_config.h"
#include "model/model_info.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mae {

enum class CheckpointFormat { MaeStudio, HuggingFace, OfficialPth, OfficialSafetensors };
const char* to_string(CheckpointFormat f);

// Ordered (name, tensor) pairs with official key names.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

struct LoadedModel {
  MaskedAutoencoderViT model{nullptr};
  CheckpointFormat format = CheckpointFormat::MaeStudio;
  std::string path;
  std::string config_source; // where the architecture came from, for `mae info`
  std::vector<std::string> notices;
  std::map<std::string, std::string> metadata; // our files: everything in __metadata__
  std::string stored_dtype;                    // the file's float type: "float16", "mixed", ...
  std::vector<std::string> nonfinite_tensors;  // holding NaN or infinite values
};

LoadedModel load_model(const std::string& path, const LoadOptions& options = {});

// Throws CheckpointError naming the tensors of `loaded` with NaN or infinite
// values and `use` ("a linear probe"), as load_model_to_measure does.
void require_finite_weights(const LoadedModel& loaded, const std::string& use);
// load_model for work whose numbers NaN weights would make meaningless
// (probes, fine-tuning): throws CheckpointError naming the tensors with NaN or
// infinite values and `use`; passes each load notice to `note`.
LoadedModel load_model_to_measure(const std::string& path, const LoadOptions& options,
                                  const std::string& use,
                                  const std::function<void(const std::string&)>& note);

// Reads a checkpoint's tensors in official key names (HF layouts mapped, q/k/v
// fused) plus its format, without building a model.
struct RawCheckpoint {
  StateDict tensors;
  CheckpointFormat format = CheckpointFormat::MaeStudio;
  std::map<std::string, std::string> metadata;
  std::optional<ModelConfig> config; // from metadata or config.json
  std::vector<std::string> notices;
  std::string stored_dtype; // the file's float type, before conversion to float32
};
RawCheckpoint read_checkpoint(const std::string& path);

// Architecture from tensor shapes. Head counts are not in the weights: they
// come from a named architecture with identical shapes, else ConfigError.
ModelConfig infer_config(const StateDict& tensors, std::vector<std::string>* notices);

// Copies `tensors` into `model` after checking every name and shape; the
// error lists missing and unexpected keys and mismatched shapes.
void load_state_dict(MaskedAutoencoderViT& model, const StateDict& tensors,
                     const std::string& label);

StateDict model_state_dict(MaskedAutoencoderViT& model);

constexpr const char* kFormatName = "mae-studio";
constexpr int kFormatVersion = 1;

// Writes our format atomically. `dtype` F32, F16 or BF16 (shipping models).
void save_model(const std::string& path, MaskedAutoencoderViT& model,
                const std::map<std::string, std::string>& extra_metadata = {},
                torch::ScalarType dtype = torch::kFloat32);

// HuggingFace key layout -> official names, fusing q/k/v into qkv.
bool is_hf_layout(const StateDict& tensors);
StateDict official_from_hf(const StateDict& hf, const std::string& label);

} // namespace mae

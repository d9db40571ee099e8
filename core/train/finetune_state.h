// The resume file of a fine-tune (finetune_state.safetensors in its output
// folder): the classifier's parameters, AdamW's moments and step counts as
// tensors; the step, recipe, model, data, world size and accuracies so far as
// metadata. Written at every epoch's end and on a stop. No generator state:
// the fine-tune seeds its draws from the step (and rank).
#pragma once

#include "model/vit_classifier.h"
#include "train/state_file.h"

#include <torch/optim/adamw.h>

#include <map>
#include <string>

namespace mae {

constexpr const char* kFinetuneStateName = "finetune_state.safetensors";
constexpr const char* kFinetuneStateFormat = "mae-studio-finetune-state";

// The parameters a fine-tune changes and saves: the encoder and head, not the
// pre-trained decoder or mask token the classifier never uses.
std::vector<std::pair<std::string, torch::Tensor>> classifier_parameters(ViTClassifier& model);

void save_finetune_state(const std::string& path, ViTClassifier& model,
                         torch::optim::AdamW& optimizer,
                         const std::map<std::string, std::string>& metadata);

// Throws CheckpointError when the file is not a fine-tune's state. Without
// `with_tensors`, its metadata alone.
StateFile read_finetune_state(const std::string& path, bool with_tensors = true);

// Puts a state read above into a model and optimizer built as for a fresh run
// (same recipe). Throws CheckpointError naming a missing, mis-shaped or
// non-finite tensor, negative second moments or an impossible step count.
void restore_finetune_state(const StateFile& state, const std::string& path, ViTClassifier& model,
                            torch::optim::AdamW& optimizer);

} // namespace mae

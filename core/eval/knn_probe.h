// Probing what the encoder learned: features of whole, unmasked images and a
// weighted k-NN classifier over them (the online probe during training).
//
// k-NN features are the mean of the patch tokens after the encoder's final
// norm: for MAE the cls token receives no training signal of its own, and
// the patch mean is the stronger and steadier k-NN feature. Linear probes
// (linear_probe.h) use the cls token, as the official linprobe does.
#pragma once

#include "data/dataset.h"
#include "model/mae_model.h"
#include "model/model_info.h"

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace mae {

// The feature read from the encoder's tokens: the mean patch token, the cls
// token, or both side by side (twice the width, for a linear read-out).
enum class FeaturePooling { MeanPatch, Cls, ClsAndMean };

// Called after each batch with the images done so far and the total; it may
// throw to abandon the pass (the model's train mode is restored).
using FeatureProgress = std::function<void(size_t done, size_t total)>;

// [N, D] float32 on `device`: the encoder over the centre view of
// data[indices] with nothing masked, in eval mode, no gradients.
torch::Tensor encoder_features(MaskedAutoencoderViT& model, const ImageDataset& data,
                               const std::vector<size_t>& indices,
                               const Normalization& normalization, FeaturePooling pooling,
                               const torch::Device& device, bool bf16, int64_t batch_size = 256,
                               const FeatureProgress& progress = {});

// What encoder_features does to data[index] to fit the model's input, when
// its size or channels differ; empty when it fits.
std::string input_conversion_note(const ImageDataset& data, size_t index, const ModelConfig& c);

// Labels of data[indices] as int64 on `device`.
torch::Tensor dataset_labels(const ImageDataset& data, const std::vector<size_t>& indices,
                             const torch::Device& device);

// DINO's weighted k-NN: cosine similarity to the bank, the k nearest vote
// with weight exp(similarity / temperature). Returns top-1 accuracy in [0, 1].
double knn_accuracy(const torch::Tensor& bank, const torch::Tensor& bank_labels,
                    const torch::Tensor& queries, const torch::Tensor& query_labels,
                    int64_t num_classes, int64_t k, double temperature);

} // namespace mae

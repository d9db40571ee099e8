// The device half of the data pipeline: crop, bicubic resize, flip and
// channel conversion of a HostBatch as tensor ops, then normalisation. The
// same code serves CPU and CUDA; on CUDA the uint8 pixels cross the bus once.
#pragma once

#include "data/host_batch.h"
#include "model/model_info.h"

#include <torch/types.h>

namespace mae {

// [B, channels, size, size] float in [0, 1] on `device`. Each crop is resized
// with bicubic interpolation (antialiased when shrinking, like PIL's resize
// in torchvision); gray becomes RGB by repetition, RGB gray by luma.
torch::Tensor crop_resize(const HostBatch& batch, int64_t size, int64_t channels,
                          const torch::Device& device);

// [B, C, H, W] to `channels`: gray becomes RGB by repetition, RGB gray by luma.
torch::Tensor match_channels(const torch::Tensor& x, int64_t channels);

// (x - mean) / std per channel.
torch::Tensor normalize(const torch::Tensor& images01, const Normalization& n);

// The per-channel mean and std as [1, C, 1, 1] tensors, made once per run:
// building them per batch would copy from the host, a sync on CUDA.
struct NormalizationTensors {
  torch::Tensor mean, std;
  NormalizationTensors(const Normalization& n, const torch::TensorOptions& options);
  torch::Tensor apply(const torch::Tensor& images01) const { return (images01 - mean) / std; }
};

} // namespace mae

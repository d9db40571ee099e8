// The fully connected layer of the model, with the official key names
// (weight [out, in], bias [out]). Two differences from torch::nn::Linear:
// forward is ATen's linear, which fuses the bias into the matrix product for
// 3-D inputs as well (the C++ frontend's Linear adds it in a separate
// broadcast kernel: 13 ms of an 80 ms ViT-B training step on an H200), and the
// parameters start at zero instead of a random draw that the official
// initialisation or a checkpoint overwrites anyway (1.5 s of loading ViT-L).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace mae {

class LinearImpl : public torch::nn::Module {
public:
  LinearImpl(int64_t in_features, int64_t out_features);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;
};
TORCH_MODULE(Linear);

} // namespace mae

#include "eval/attention_maps.h"

#include "base/errors.h"
#include "model/attention_recorder.h"
#include "model/masking.h"

#include <torch/torch.h>

#include <chrono>

namespace mae {

torch::Tensor attention_rollout(const std::vector<torch::Tensor>& layers) {
  if (layers.empty())
    throw UsageError("attention rollout needs at least one layer");
  torch::Tensor rollout;
  for (const auto& w : layers) {
    if (w.dim() != 4 || w.size(2) != w.size(3))
      throw UsageError("attention weights must be [B, H, N, N]");
    const auto eye = torch::eye(w.size(2), w.options());
    auto a = w.mean(1) + eye;
    a = a / a.sum(-1, /*keepdim=*/true);
    rollout = rollout.defined() ? torch::matmul(a, rollout) : a;
  }
  return rollout;
}

AttentionMap attention_map(MaskedAutoencoderViT& model, const torch::Tensor& images,
                           const torch::Tensor& scores, int64_t keep, const AttentionQuery& query) {
  const auto start = std::chrono::steady_clock::now();
  const ModelConfig& c = model->config();
  if (images.dim() != 4 || images.size(0) != 1)
    throw UsageError("attention maps take one image, [1, C, H, W]");
  const int64_t gh = images.size(2) / c.patch_size, gw = images.size(3) / c.patch_size;
  const int64_t L = gh * gw;
  query.validate(c, model->has_decoder(), L);
  if (scores.dim() != 2 || scores.size(0) != 1 || scores.size(1) != L)
    throw UsageError("mask scores must be [1, " + std::to_string(L) + "]");
  if (keep < 1 || keep > L)
    throw UsageError("the encoder must keep between 1 and " + std::to_string(L) + " patches, got " +
                     std::to_string(keep));
  torch::NoGradGuard no_grad;
  const bool encoder = query.stack == AttentionStack::Encoder;

  std::vector<int64_t> layers;
  for (int64_t i = query.rollout ? 0 : query.layer; i <= query.layer; ++i)
    layers.push_back(i);
  // The patch of each token after cls: the kept ones, in the encoder's order,
  // or every patch for the decoder.
  torch::Tensor token_patch;
  {
    AttentionRecorder recorder(model, query.stack, layers);
    if (encoder) {
      const auto plan = plan_from_scores(scores.to(images.device(), torch::kFloat32), keep);
      model->forward_encoder(images, plan.ids_keep);
      token_patch = plan.ids_keep[0].to(torch::kCPU);
    } else {
      model->forward(images, scores, keep);
      token_patch = torch::arange(L, torch::kInt64);
    }
    std::vector<torch::Tensor> weights;
    for (int64_t i : layers)
      weights.push_back(recorder.weights(i).to(torch::kCPU, torch::kFloat32));
    const auto& last = weights.back();
    torch::Tensor matrix; // [N, N]
    if (query.rollout)
      matrix = attention_rollout(weights)[0];
    else if (query.head == AttentionQuery::kMeanOfHeads)
      matrix = last[0].mean(0);
    else
      matrix = last[0][query.head];

    int64_t row = 0; // the cls token
    if (query.patch != AttentionQuery::kClsToken) {
      const auto hit = (token_patch == query.patch).nonzero();
      if (hit.numel() == 0)
        throw UsageError("patch " + std::to_string(query.patch) +
                         " is removed by the mask: the encoder never sees it (choose a visible "
                         "patch, cls, or the decoder)");
      row = 1 + hit[0][0].item<int64_t>();
    }
    const auto attention = matrix[row].contiguous();
    auto grid = torch::zeros({L}, torch::kFloat32);
    grid.index_put_({token_patch}, attention.slice(0, 1));
    auto visible = torch::zeros({L}, torch::kUInt8);
    visible.index_put_({token_patch}, torch::ones({token_patch.size(0)}, torch::kUInt8));

    AttentionMap map;
    map.query = query;
    map.grid_h = static_cast<int>(gh);
    map.grid_w = static_cast<int>(gw);
    map.weights.assign(grid.data_ptr<float>(), grid.data_ptr<float>() + L);
    map.visible.assign(visible.data_ptr<uint8_t>(), visible.data_ptr<uint8_t>() + L);
    map.cls_weight = attention[0].item<float>();
    map.num_tokens = attention.size(0);
    map.num_heads = last.size(1);
    map.inference_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return map;
  }
}

} // namespace mae

#include "model/attention_recorder.h"

#include "base/errors.h"

#include <torch/torch.h>

namespace mae {

AttentionRecorder::AttentionRecorder(MaskedAutoencoderViT model, AttentionStack stack,
                                     const std::vector<int64_t>& layers)
    : model_(std::move(model)), stack_(stack) {
  const bool encoder = stack == AttentionStack::Encoder;
  if (!encoder && !model_->has_decoder())
    throw UsageError("this is an encoder-only checkpoint: it has no decoder attention");
  auto blocks = encoder ? model_->blocks : model_->decoder_blocks;
  const auto depth = static_cast<int64_t>(blocks->size());
  weights_.resize(static_cast<size_t>(depth)); // never resized again: the blocks hold pointers
  recorded_.resize(static_cast<size_t>(depth), Attention(nullptr));
  std::vector<int64_t> chosen = layers;
  if (chosen.empty())
    for (int64_t i = 0; i < depth; ++i)
      chosen.push_back(i);
  for (int64_t layer : chosen)
    if (layer < 0 || layer >= depth)
      throw UsageError("layer " + std::to_string(layer) + " is out of range: the " +
                       to_string(stack) + " has layers 0 to " + std::to_string(depth - 1));
  for (int64_t layer : chosen) {
    const auto i = static_cast<size_t>(layer);
    recorded_[i] = blocks[i]->as<Block>()->attn;
    recorded_[i]->record_into(&weights_[i]);
  }
}

AttentionRecorder::~AttentionRecorder() {
  for (auto& attn : recorded_)
    if (attn)
      attn->record_into(nullptr);
}

bool AttentionRecorder::records(int64_t layer) const {
  return layer >= 0 && layer < depth() && recorded_[static_cast<size_t>(layer)];
}

const torch::Tensor& AttentionRecorder::weights(int64_t layer) const {
  if (!records(layer))
    throw UsageError("layer " + std::to_string(layer) + " of the " + to_string(stack_) +
                     " is not recorded");
  const auto& w = weights_[static_cast<size_t>(layer)];
  if (!w.defined())
    throw UsageError("no forward pass has run through " + std::string(to_string(stack_)) +
                     " layer " + std::to_string(layer) + " since it was recorded");
  return w;
}

} // namespace mae

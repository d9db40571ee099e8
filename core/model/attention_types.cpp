#include "model/attention_types.h"

#include "base/errors.h"

namespace mae {

const char* to_string(AttentionStack s) {
  switch (s) {
  case AttentionStack::Encoder:
    return "encoder";
  case AttentionStack::Decoder:
    return "decoder";
  }
  return "?";
}

AttentionStack parse_attention_stack(const std::string& name) {
  if (name == "encoder")
    return AttentionStack::Encoder;
  if (name == "decoder")
    return AttentionStack::Decoder;
  throw UsageError("unknown attention stack '" + name + "' (use encoder or decoder)");
}

int64_t AttentionQuery::stack_depth(const ModelConfig& config) const {
  return stack == AttentionStack::Encoder ? config.depth : config.decoder_depth;
}

int64_t AttentionQuery::stack_heads(const ModelConfig& config) const {
  return stack == AttentionStack::Encoder ? config.num_heads : config.decoder_num_heads;
}

int64_t AttentionQuery::resolved_layer(const ModelConfig& config) const {
  return layer == kLastLayer ? stack_depth(config) - 1 : layer;
}

void AttentionQuery::validate(const ModelConfig& config, bool has_decoder,
                              int64_t num_patches) const {
  if (stack == AttentionStack::Decoder && !has_decoder)
    throw UsageError("this is an encoder-only checkpoint: it has no decoder attention");
  const int64_t depth = stack_depth(config);
  const int64_t heads = stack_heads(config);
  const std::string name = to_string(stack);
  if (layer < 0 || layer >= depth)
    throw UsageError("layer " + std::to_string(layer) + " is out of range: the " + name +
                     " has layers 0 to " + std::to_string(depth - 1));
  if (head != kMeanOfHeads && (head < 0 || head >= heads))
    throw UsageError("head " + std::to_string(head) + " is out of range: the " + name +
                     " has heads 0 to " + std::to_string(heads - 1) + " (or mean)");
  if (patch != kClsToken && (patch < 0 || patch >= num_patches))
    throw UsageError("patch " + std::to_string(patch) +
                     " is out of range: the image has patches 0 to " +
                     std::to_string(num_patches - 1) + " (row-major, or cls)");
}

} // namespace mae

// Attention figures, rendered with OpenCV so that the CLI and the app export
// the same PNG: input | attention over the input | the map alone.
#pragma once

#include "data/image.h"
#include "eval/attention_map.h"
#include "model/masking_types.h"

#include <string>

namespace mae {

// `input` is the picture the map was computed on (the model's input size).
// The query patch is outlined; patches the stack does not see (removed ones,
// for the encoder) are greyed; colours run from 0 to the map's largest weight.
// Three panels of `panel_size` pixels and a caption naming the model, the
// stack, layer, head, query, the mask and the scale. `mae attention` writes it.
// "query: patch 40 (row 2, col 12)" or "query: cls token".
std::string describe_query(const AttentionMap& map);
// "encoder layer 3, mean of 3 heads", "decoder layer 0, head 2", "encoder rollout, layers 0-11":
// the CLI's figure and the app's Attention tab say the same.
std::string describe_source(const AttentionMap& map);

Image attention_figure(const Image& input, const AttentionMap& map, const std::string& model_label,
                       const MaskSettings& settings, int panel_size = 224);

} // namespace mae

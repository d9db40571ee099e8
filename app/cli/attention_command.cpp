#include "commands.h"
#include "common.h"
#include "figure_input.h"

#include "base/errors.h"
#include "base/image_signature.h"
#include "base/whole_number.h"
#include "data/image_io.h"
#include "eval/attention_figure.h"
#include "eval/reconstructor.h"
#include "runtime/assets.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>

namespace mae::cli {
namespace {

// An index option that also takes a word (`mean`, `cls`, `last`): `word_value` for the word.
int64_t index_option(const Args& args, const std::string& name, const std::string& word,
                     int64_t word_value) {
  const std::string v = args.get(name);
  if (v == word)
    return word_value;
  // From 0: -1 is the model's own marker (the mean of heads, the cls token).
  const std::optional<long long> n = whole_number(v, 0, std::numeric_limits<int64_t>::max());
  if (!n)
    throw UsageError("--" + name + " expects an index from 0 or " + word + ", got '" + v + "'");
  return *n;
}

} // namespace

int run_attention(int argc, const char* const* argv) {
  Args args("attention",
            "Where a patch (or the cls token) attends, in one layer and head of the encoder\n"
            "(over the visible patches) or the decoder (over all of them), or through the\n"
            "attention rollout of the chosen stack's layers. Writes input | attention over the\n"
            "input | the map, the query patch outlined and removed patches greyed.\n"
            "The image is resized (short side) and centre-cropped to the model's size.");
  args.option("model", "MODEL", "model file or HuggingFace directory", default_model_path())
      .option("image", "IMG", std::string("input image (") + kImageFormatList + ")")
      .required()
      .option("out", "FIG.png", "where to write the figure (default: IMG_attention.png here)")
      .option("stack", "encoder|decoder", "which transformer's attention", "encoder")
      .option("layer", "N|last",
              "block index from 0 (with --rollout: the last block it runs "
              "through)",
              "last")
      .option("head", "H|mean", "head index from 0, or the mean over heads", "mean")
      .option("patch", "P|cls", "query patch, row-major from 0, or the cls token", "cls")
      .flag("rollout", "attention rollout (Abnar & Zuidema) through layers 0..--layer");
  if (!parse_command(args, argc, argv,
                     kModel | kNormalization | kFigure | kOutput | kThreads | kDevice))
    return 0;

  const auto t0 = std::chrono::steady_clock::now();
  const FigureOptions figure = figure_options(args);
  const MaskSettings& settings = figure.mask;
  AttentionQuery query;
  query.stack = parse_attention_stack(args.get("stack"));
  query.layer = index_option(args, "layer", "last", AttentionQuery::kLastLayer);
  query.head = index_option(args, "head", "mean", AttentionQuery::kMeanOfHeads);
  query.patch = index_option(args, "patch", "cls", AttentionQuery::kClsToken);
  query.rollout = args.flag_set("rollout");
  if (query.rollout && args.has("head"))
    throw UsageError(
        "--head has no effect with --rollout, which averages the heads: leave one out");
  args.default_to("out", figure_name(args.get("image"), "attention"));
  const std::string out = args.get("out");
  check_output_file(args, "out", {".png"}, {args.get("image"), args.get("model")});

  const FigureInput in = load_figure_input(args, "attention");
  const ModelConfig& c = in.model->info().config;
  query.layer = query.resolved_layer(c);
  const AttentionMap map = in.model->attention(in.image, settings, query);
  write_png(out, attention_figure(in.image, map, in.label, settings, figure.panel_size));
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s: %s, attention to cls %.4f, map %.1f ms, total %.2f s\n", out.c_str(),
              describe_source(map).c_str(), static_cast<double>(map.cls_weight), map.inference_ms,
              total);
  return 0;
}

} // namespace mae::cli

#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "data/image_io.h"
#include "eval/pos_embed_figure.h"
#include "eval/reconstructor.h"
#include "runtime/assets.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace mae::cli {

int run_posembed(int argc, const char* const* argv) {
  Args args("posembed",
            "The cosine similarity of the model's position embeddings (the classic ViT\n"
            "figure): for every patch position, a small map of its similarity with every\n"
            "position, tiled on the patch grid.");
  args.option("model", "MODEL", "model file or HuggingFace directory", default_model_path())
      .option("stack", "encoder|decoder", "pos_embed or decoder_pos_embed", "encoder")
      .option("out", "FIG.png", "where to write the figure (default: MODEL_posembed.png here)");
  if (!parse_command(args, argc, argv, kModel | kOutput | kThreads | kDevice))
    return 0;
  const AttentionStack stack = parse_attention_stack(args.get("stack"));
  args.default_to("out", figure_name(args.get("model"), "posembed"));
  const std::string out = args.get("out");
  check_output_file(args, "out", {".png"}, {args.get("model")});
  auto model = Reconstructor::load(args.get("model"), load_options(args), args.get("device"));
  for (const std::string& note : model->info().notices)
    std::cerr << "mae posembed: note: " << note << "\n";
  // One tile per position, each a map of every position: a 112x112 grid (patch 2)
  // is 157 M similarities and a figure 25,000 pixels a side.
  const int g = model->info().config.grid_size();
  if (g > kMostPosEmbedGrid)
    throw UsageError("the model's patch grid is " + std::to_string(g) + "x" + std::to_string(g) +
                     ": posembed draws one tile per position, for grids up to " +
                     std::to_string(kMostPosEmbedGrid) + "x" + std::to_string(kMostPosEmbedGrid));
  const PosEmbedGrid grid = model->pos_embed_grid(stack);
  const std::string label = std::filesystem::path(args.get("model")).filename().string();
  write_png(out, pos_embed_figure(grid, label));
  std::printf("wrote %s: %s position embeddings, %dx%d grid\n", out.c_str(), to_string(stack),
              grid.grid_h, grid.grid_w);
  return 0;
}

} // namespace mae::cli

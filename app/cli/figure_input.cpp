#include "figure_input.h"

#include "common.h"

#include "base/errors.h"
#include "checkpoint/model_label.h"
#include "checkpoint/model_path.h"
#include "data/image_io.h"

#include <filesystem>
#include <iostream>

namespace mae::cli {

FigureInput load_figure_input(const Args& args, const std::string& command) {
  // The two swapped: said before a model loads (an image as --model is named by the loader).
  if (names_a_model(args.get("image")))
    throw UsageError("--image " + args.get("image") +
                     " is a model, not a picture: give it as --model, and a picture as --image");
  FigureInput in;
  in.model = Reconstructor::load(args.get("model"), load_options(args), args.get("device"));
  if (command == "reconstruct" && !in.model->info().has_decoder) // said once, as the error
    throw CheckpointError(args.get("model") +
                          ": an encoder-only checkpoint has no decoder, so it cannot reconstruct "
                          "images (mae attention, probe and finetune take it)");
  for (const std::string& note : in.model->info().notices)
    std::cerr << "mae " << command << ": note: " << note << "\n";
  Normalization n = in.model->info().normalization;
  apply_normalization_options(args, n, in.model->info().config.in_chans);
  in.model->set_normalization(n);

  const ModelConfig& c = in.model->info().config;
  std::string warning;
  in.image = convert_channels(
      resize_center_crop(load_image(args.get("image"), &warning), c.img_size), c.in_chans);
  if (!warning.empty())
    std::cerr << "mae " << command << ": warning: " << args.get("image") << ": " << warning << "\n";
  in.label = model_label(args.get("model"));
  return in;
}

} // namespace mae::cli

// What the figure commands (reconstruct, attention) load first: the model
// with its normalisation (and --mean/--std), and the image cropped to it.
#pragma once

#include "args.h"

#include "data/image.h"
#include "eval/reconstructor.h"

#include <memory>
#include <string>

namespace mae::cli {

struct FigureInput {
  std::unique_ptr<Reconstructor> model;
  Image image;       // resized (short side), centre-cropped, the model's channels
  std::string label; // the model file's name, for the figure's caption
};

// Notes and image warnings go to stderr, prefixed "mae COMMAND: ".
FigureInput load_figure_input(const Args& args, const std::string& command);

} // namespace mae::cli

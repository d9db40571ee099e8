// What a dropped or opened path is: the drop handler, the Open... browser
// and the command line's --drop all route files through here.
#pragma once

#include <string>

namespace mae::studio {

enum class TargetKind { Image, Model, Document, Unsupported };

// Images by extension; models by extension (.safetensors, .pth, .pt, .bin)
// or as a HuggingFace folder (config.json / model.safetensors inside);
// documents (.json: a lesson, a saved view, a training config or a sweep,
// told apart when opened) by extension.
TargetKind classify_path(const std::string& path);

// A model load failed only because the architecture is unknown (an official
// .pth whose head count cannot be inferred): worth asking the user for one.
bool needs_architecture(const std::string& load_error);

// The start-up model: `requested` if given and present, else the shipped
// default, else the largest *.safetensors in `models_dir`; `note` explains a
// fallback or its absence for the status bar. Empty `path` means start
// without a model.
struct StartupModel {
  std::string path;
  std::string note;
};
StartupModel choose_startup_model(const std::string& requested, const std::string& default_path,
                                  const std::string& models_dir);

} // namespace mae::studio

#include "output_file.h"

#include "base/errors.h"
#include "base/file_extension.h"
#include "data/written_by_mae.h"

#include <algorithm>
#include <filesystem>

namespace mae::cli {

namespace fs = std::filesystem;

std::string figure_name(const std::string& input, const std::string& what,
                        const std::string& extension) {
  fs::path p = fs::path(input).lexically_normal();
  if (p.filename().empty()) // a folder given as "hf/"
    p = p.parent_path();
  std::string stem = p.stem().string();
  if (stem.empty() || stem == "." || stem == "..")
    stem = "figure";
  return stem + "_" + what + extension;
}

void add_force_option(Args& args) {
  args.flag("force", "replace an existing output file that mae did not write, a trained, "
                     "converted or downloaded model, or a read-only file (mae's own figures, "
                     "tables and untrained models are replaced without asking)");
}

void refuse_overwriting_inputs(const std::string& option, const std::string& out,
                               const std::vector<std::string>& inputs) {
  std::error_code ec;
  if (!fs::exists(out, ec))
    return; // nothing there to lose
  const fs::path out_dir =
      fs::path(out).parent_path().empty() ? fs::path(".") : fs::path(out).parent_path();
  for (const std::string& in : inputs) {
    if (in.empty())
      continue;
    if (fs::equivalent(out, in, ec))
      throw UsageError(option + " " + out + " is the input " + in +
                       ": writing it would destroy it; choose another file");
    if (fs::is_directory(in, ec) && fs::equivalent(out_dir, in, ec))
      throw UsageError(option + " " + out + " is a file of the input model folder " + in +
                       ": writing it would change that model; choose another file");
  }
}

void refuse_missing_folder(const std::string& option, const std::string& out) {
  const fs::path folder = fs::path(out).parent_path();
  std::error_code ec;
  if (folder.empty() || fs::is_directory(folder, ec))
    return;
  throw UsageError(option + " " + out + ": the folder " + folder.string() +
                   (fs::exists(folder, ec) ? " is not a folder" : " does not exist"));
}

void check_output_file(const Args& args, const std::string& name,
                       const std::vector<std::string>& extensions,
                       const std::vector<std::string>& inputs) {
  const std::string option = "--" + name, out = args.get(name);
  refuse_missing_folder(option, out);
  refuse_overwriting_inputs(option, out, inputs);
  const std::string ext = lower_extension(out);
  if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) {
    std::string names;
    for (const std::string& e : extensions)
      names += (names.empty() ? "" : " or ") + e;
    throw UsageError(option + " " + out + " must end in " + names + ": that is the format written");
  }
  refuse_replacing(option, out, args.flag_set("force"));
}

} // namespace mae::cli

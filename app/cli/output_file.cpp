#include "output_file.h"

#include "base/errors.h"
#include "base/file_extension.h"
#include "base/regular_file.h"
#include "data/png_mark.h"
#include "formats/file_bytes.h"
#include "formats/safetensors.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace mae::cli {

namespace fs = std::filesystem;

namespace {

bool safetensors_written_by_mae(const std::string& path) {
  try { // only the header is parsed; the mapping reads no tensor
    const SafetensorsFile f =
        parse_safetensors(read_file_bytes(path, "safetensors file", false), path);
    const auto it = f.metadata.find("format");
    // "mae-studio" is checkpoint.h's kFormatName, spelt out: that header brings in torch.
    return it != f.metadata.end() && (it->second == "mae-studio" || it->second == kForwardFormat);
  } catch (const Error&) {
    return false;
  }
}

bool csv_written_by_mae(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  return std::getline(in, first) && first == kEvalReconCsvHeader;
}

// How a format's files tell that mae wrote them; nullptr for the formats
// that carry no such sign (videos, traces).
using WrittenByMae = bool (*)(const std::string& path);
WrittenByMae owner_check(const std::string& ext) {
  if (ext == ".png")
    return png_written_by_mae;
  if (ext == ".safetensors")
    return safetensors_written_by_mae;
  if (ext == ".csv")
    return csv_written_by_mae;
  return nullptr;
}

} // namespace

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
  args.flag("force", "replace an existing output file that mae did not write (its own figures, "
                     "models and tables are replaced without asking)");
}

bool written_by_mae(const std::string& path) {
  const WrittenByMae check = owner_check(lower_extension(path));
  return check && why_not_regular_file(path).empty() && check(path);
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

void refuse_replacing_others(const Args& args, const std::string& name) {
  const std::string out = args.get(name);
  // Only regular files: a device node or a folder is refused by the write itself.
  if (args.flag_set("force") || !why_not_regular_file(out).empty() || written_by_mae(out))
    return;
  const std::string ext = lower_extension(out);
  const std::string why = owner_check(ext)
                              ? "and mae did not write it (it may be yours)"
                              : "(mae cannot tell its own " + ext + " files from yours)";
  throw UsageError("--" + name + " " + out + " already exists " + why +
                   ": choose another name, or pass --force to replace it");
}

void check_output_file(const Args& args, const std::string& name,
                       const std::vector<std::string>& extensions,
                       const std::vector<std::string>& inputs) {
  const std::string option = "--" + name, out = args.get(name);
  refuse_overwriting_inputs(option, out, inputs);
  const std::string ext = lower_extension(out);
  if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) {
    std::string names;
    for (const std::string& e : extensions)
      names += (names.empty() ? "" : " or ") + e;
    throw UsageError(option + " " + out + " must end in " + names + ": that is the format written");
  }
  refuse_replacing_others(args, name);
}

} // namespace mae::cli

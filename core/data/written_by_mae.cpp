#include "data/written_by_mae.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/file_extension.h"
#include "base/regular_file.h"
#include "data/png_mark.h"
#include "data/video_mark.h"
#include "formats/safetensors.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include <sys/stat.h>

namespace mae {
namespace {

// A safetensors file's metadata; empty when it is not one.
std::map<std::string, std::string> safetensors_metadata(const std::string& path) {
  try {
    return read_safetensors_metadata(path); // the header alone
  } catch (const Error&) {
    return {};
  }
}

std::string value_of(const std::map<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? "" : it->second;
}

bool marked_by_mae(const std::map<std::string, std::string>& metadata) {
  const std::string format = value_of(metadata, "format");
  // "mae-studio" is checkpoint.h's kFormatName, spelt out: that header brings in torch.
  return format == "mae-studio" || format == kForwardFormat;
}

bool safetensors_written_by_mae(const std::string& path) {
  return marked_by_mae(safetensors_metadata(path));
}

// "a trained model (step 2400)" for a model that holds training (its own
// run's, or another's it was converted or downloaded from); "" for anything
// else. Such weights are not made again by the next write.
std::string trained_model(const std::map<std::string, std::string>& metadata) {
  if (value_of(metadata, "format") != "mae-studio")
    return "";
  // A model's "train_step"; a run's checkpoint's "step".
  std::string step = value_of(metadata, "train_step");
  if (step.empty())
    step = value_of(metadata, "step");
  if (step.empty()) {
    if (!value_of(metadata, "fetched_from").empty())
      return "a downloaded model (mae fetch)";
    const std::string from = value_of(metadata, "converted_from");
    return from.empty() ? "" : "a model converted from a " + from + " checkpoint";
  }
  // The step as the file says it, when it reads as one.
  return step.size() <= 12 && step.find_first_not_of("0123456789") == std::string::npos
             ? "a trained model (step " + step + ")"
             : "a trained model";
}

// Nobody may write it (chmod a-w): said so even to root, whom the
// permission bits do not stop.
bool read_only(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & 0222) == 0;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

bool csv_written_by_mae(const std::string& path) {
  const std::string header = first_line(path);
  return header == kEvalReconCsvHeader || header == kCurvesCsvHeader;
}

bool json_written_by_mae(const std::string& path) {
  nlohmann::json j;
  try {
    j = parse_json_or_discarded(read_config_file(path, "file"));
  } catch (const Error&) { // unreadable, or larger than anything mae writes
    return false;
  }
  if (!j.is_object() || !j.contains("format") || !j["format"].is_string())
    return false;
  return j["format"].get<std::string>().rfind(kStudioJsonFormatPrefix, 0) == 0;
}

// How a format's files tell that mae wrote them; nullptr for the formats
// that carry no such sign.
using WrittenByMae = bool (*)(const std::string& path);
WrittenByMae owner_check(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".png")
    return png_written_by_mae;
  if (ext == ".safetensors")
    return safetensors_written_by_mae;
  if (ext == ".csv")
    return csv_written_by_mae;
  if (ext == ".json")
    return json_written_by_mae;
  if (video_can_be_marked(path))
    return video_written_by_mae;
  return nullptr;
}

} // namespace

bool marks_its_files(const std::string& path) {
  return owner_check(path) != nullptr;
}

bool written_by_mae(const std::string& path) {
  const WrittenByMae check = owner_check(path);
  return check && why_not_regular_file(path).empty() && check(path);
}

void refuse_replacing(const std::string& option, const std::string& path, bool force) {
  // Writes follow links (atomic_file's write_target): a "figure.png" linking
  // to a model would turn the model into a PNG, --force or not.
  std::error_code ec;
  if (std::filesystem::is_symlink(path, ec)) {
    const std::string target = std::filesystem::canonical(path, ec).string();
    const std::string kind = lower_extension(target);
    if (!ec && !kind.empty() && kind != lower_extension(path)) // no extension: a store's blob
      throw UsageError(option + " " + path + " is a link to " + target +
                       ", a file of another kind, which the write would replace: remove the "
                       "link or choose another name");
  }
  if (force || !why_not_regular_file(path).empty())
    return;
  // Hours of training are not "made again" by the next write, nor is a file
  // someone made read-only, whoever wrote them. A safetensors header is read once.
  const bool tensors = lower_extension(path) == ".safetensors";
  const auto metadata = tensors ? safetensors_metadata(path) : std::map<std::string, std::string>{};
  std::string held = trained_model(metadata);
  if (held.empty() && read_only(path))
    held = "a read-only file";
  if (!held.empty())
    throw UsageError(option + " " + path + " already exists and holds " + held +
                     ": choose another name, or pass --force to replace it");
  if (tensors ? marked_by_mae(metadata) : written_by_mae(path))
    return;
  const std::string ext = lower_extension(path);
  const std::string why =
      marks_its_files(path) ? "and MAE Studio did not write it (it may be yours)"
      : ext.empty() ? "(MAE Studio cannot tell its own files without an extension from yours)"
                    : "(MAE Studio cannot tell its own " + ext + " files from yours)";
  throw UsageError(option + " " + path + " already exists " + why +
                   ": choose another name, or pass --force to replace it");
}

} // namespace mae

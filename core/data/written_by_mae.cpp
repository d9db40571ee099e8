#include "data/written_by_mae.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/file_extension.h"
#include "base/regular_file.h"
#include "data/png_mark.h"
#include "data/video_mark.h"
#include "formats/file_bytes.h"
#include "formats/safetensors.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace mae {
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
  if (force || !why_not_regular_file(path).empty() || written_by_mae(path))
    return;
  const std::string ext = lower_extension(path);
  const std::string why = marks_its_files(path) ? "and mae did not write it (it may be yours)"
                          : ext.empty()
                              ? "(mae cannot tell its own files without an extension from yours)"
                              : "(mae cannot tell its own " + ext + " files from yours)";
  throw UsageError(option + " " + path + " already exists " + why +
                   ": choose another name, or pass --force to replace it");
}

} // namespace mae

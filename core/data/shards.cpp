#include "data/shards.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/plural.h"
#include "base/regular_file.h"
#include "base/whole_number.h"
#include "formats/atomic_file.h"
#include "formats/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mae {
namespace {

std::string shard_name(size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "shard-%05zu.bin", i);
  return name;
}

template <typename T>
SafetensorsEntry entry(const std::string& name, DType dtype, const std::vector<T>& v) {
  return {name, dtype, {static_cast<int64_t>(v.size())}, v.data(), v.size() * sizeof(T)};
}

template <typename T>
std::vector<T> column(const SafetensorsFile& f, const std::string& name, DType dtype, size_t n,
                      const std::string& path) {
  const TensorView* v = f.find(name);
  if (!v || v->dtype != dtype || v->shape.size() != 1 ||
      (n != SIZE_MAX && static_cast<size_t>(v->shape[0]) != n))
    throw DataError(path + ": index column '" + name + "' is missing or malformed");
  std::vector<T> out(static_cast<size_t>(v->shape[0]));
  std::memcpy(out.data(), v->data, out.size() * sizeof(T));
  return out;
}

int metadata_int(const std::map<std::string, std::string>& m, const std::string& key,
                 const std::string& path) {
  auto it = m.find(key);
  if (it == m.end())
    throw DataError(path + ": index metadata has no '" + key + "'");
  const std::optional<long long> v = whole_number(it->second, 0, 1 << 20);
  if (!v)
    throw DataError(path + ": index metadata '" + key + "' is not a whole number: '" + it->second +
                    "'");
  return static_cast<int>(*v);
}

} // namespace

bool is_pack_file(const std::string& name) {
  const bool shard =
      name.size() == std::string("shard-00000.bin").size() && name.rfind("shard-", 0) == 0 &&
      name.compare(11, 4, ".bin") == 0 &&
      std::all_of(name.begin() + 6, name.begin() + 11, [](char c) { return c >= '0' && c <= '9'; });
  return shard || name == kShardIndexName || is_temp_name(name);
}

ShardWriter::ShardWriter(std::string dir, int channels, int short_side,
                         std::vector<std::string> classes, size_t shard_bytes)
    : dir_(std::move(dir)), channels_(channels), short_side_(short_side),
      classes_(std::move(classes)), shard_bytes_(shard_bytes) {
  if (channels_ != 1 && channels_ != 3)
    throw UsageError("shards hold 1- or 3-channel images");
  create_folder(dir_);
  remove_stale_temps(dir_); // the half shards of a killed pack
}

void ShardWriter::add(const Image& image, int label) {
  if (image.channels != channels_ || image.empty())
    throw DataError("shard images must have " + count_of(channels_, "channel"));
  if (!current_.empty() && current_.size() + image.pixels.size() > shard_bytes_)
    flush_shard();
  shard_.push_back(static_cast<int32_t>(shard_sizes_.size()));
  offset_.push_back(static_cast<int64_t>(current_.size()));
  height_.push_back(image.height);
  width_.push_back(image.width);
  label_.push_back(label);
  current_.insert(current_.end(), image.pixels.begin(), image.pixels.end());
}

void ShardWriter::flush_shard() {
  // An index left from an earlier pack would describe other shards: gone
  // with the first new shard, not before (a pack of nothing readable kept it).
  if (shard_sizes_.empty()) {
    std::error_code ec;
    fs::remove(fs::path(dir_) / kShardIndexName, ec);
  }
  write_file_atomic((fs::path(dir_) / shard_name(shard_sizes_.size())).string(), current_.data(),
                    current_.size());
  shard_sizes_.push_back(static_cast<int64_t>(current_.size()));
  total_bytes_ += current_.size();
  current_.clear();
}

void ShardWriter::finish() {
  if (!current_.empty() || shard_sizes_.empty())
    flush_shard();
  const std::map<std::string, std::string> metadata = {
      {"format", kShardFormat},
      {"format_version", "1"},
      {"channels", std::to_string(channels_)},
      {"short_side", std::to_string(short_side_)},
      {"classes", nlohmann::json(classes_).dump()},
      {"shard_sizes", nlohmann::json(shard_sizes_).dump()}};
  write_safetensors((fs::path(dir_) / kShardIndexName).string(),
                    {entry("shard", DType::I32, shard_), entry("offset", DType::I64, offset_),
                     entry("height", DType::I32, height_), entry("width", DType::I32, width_),
                     entry("label", DType::I32, label_)},
                    metadata);
  std::error_code ec; // gigabytes the new index does not name
  for (size_t i = shard_sizes_.size(); fs::remove(fs::path(dir_) / shard_name(i), ec); ++i) {
  }
}

ShardDataset::ShardDataset(const std::string& dir) : dir_(dir) {
  const std::string index_path = (fs::path(dir) / kShardIndexName).string();
  if (!fs::exists(index_path))
    throw DataError("'" + dir + "' has no " + kShardIndexName +
                    " (not a `mae pack` output, or the pack did not finish)");
  SafetensorsFile index;
  try {
    index = read_safetensors(index_path);
  } catch (const CheckpointError& e) {
    throw DataError(e.what());
  }
  auto fmt = index.metadata.find("format");
  if (fmt == index.metadata.end() || fmt->second != kShardFormat)
    throw DataError(index_path + ": not a shard index (format is not '" + kShardFormat + "')");
  channels_ = metadata_int(index.metadata, "channels", index_path);
  short_side_ = metadata_int(index.metadata, "short_side", index_path);
  if (channels_ != 1 && channels_ != 3)
    throw DataError(index_path + ": channels must be 1 or 3");
  std::vector<int64_t> shard_sizes;
  try {
    classes_ =
        parse_json_or_discarded(index.metadata.at("classes")).get<std::vector<std::string>>();
    shard_sizes =
        parse_json_or_discarded(index.metadata.at("shard_sizes")).get<std::vector<int64_t>>();
  } catch (const std::exception&) {
    throw DataError(index_path + ": metadata 'classes' or 'shard_sizes' is malformed");
  }
  shard_ = column<int32_t>(index, "shard", DType::I32, SIZE_MAX, index_path);
  const size_t n = shard_.size();
  offset_ = column<int64_t>(index, "offset", DType::I64, n, index_path);
  height_ = column<int32_t>(index, "height", DType::I32, n, index_path);
  width_ = column<int32_t>(index, "width", DType::I32, n, index_path);
  label_ = column<int32_t>(index, "label", DType::I32, n, index_path);
  for (size_t s = 0; s < shard_sizes.size(); ++s) {
    const std::string path = (fs::path(dir) / shard_name(s)).string();
    if (const std::string why = why_not_regular_file(path); !why.empty())
      throw DataError("cannot open shard " + path + ": " + why);
    auto fd = std::make_unique<Fd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (fd->get() < 0 || ::fstat(fd->get(), &st) != 0)
      throw DataError("cannot open shard " + path + ": " + std::strerror(errno));
    if (st.st_size != shard_sizes[s])
      throw DataError("shard '" + shard_name(s) + "' in '" + dir + "' has " +
                      std::to_string(st.st_size) + " bytes, the index expects " +
                      std::to_string(shard_sizes[s]));
    shard_fds_.push_back(std::move(fd));
    shard_paths_.push_back(path);
    shard_bytes_.push_back(st.st_size);
  }
  // Every image must lie inside its shard: load() then never reads out of bounds.
  // Sides are bounded first, so that neither the size nor the end can overflow.
  constexpr int64_t kMostSide = 1 << 16;
  const auto fits = [&](size_t i) {
    if (shard_[i] < 0 || static_cast<size_t>(shard_[i]) >= shard_fds_.size() || height_[i] <= 0 ||
        width_[i] <= 0 || height_[i] > kMostSide || width_[i] > kMostSide)
      return false;
    const int64_t bytes = int64_t{height_[i]} * width_[i] * channels_;
    const int64_t shard_bytes = shard_bytes_[static_cast<size_t>(shard_[i])];
    return offset_[i] >= 0 && offset_[i] <= shard_bytes && bytes <= shard_bytes - offset_[i];
  };
  for (size_t i = 0; i < n; ++i) {
    const bool ok = fits(i) && label_[i] >= -1 && label_[i] < static_cast<int32_t>(classes_.size());
    if (!ok)
      throw DataError(index_path + ": entry " + std::to_string(i) + " does not fit its shard");
  }
}

ShardDataset::~ShardDataset() = default;

Image ShardDataset::load(size_t i) const {
  Image img(width_[i], height_[i], channels_);
  const auto s = static_cast<size_t>(shard_[i]);
  size_t done = 0;
  while (done < img.pixels.size()) {
    const ssize_t r = ::pread(shard_fds_[s]->get(), img.pixels.data() + done,
                              img.pixels.size() - done, offset_[i] + static_cast<off_t>(done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      struct stat st {};
      ::fstat(shard_fds_[s]->get(), &st);
      throw DataError("shard " + shard_paths_[s] + " was cut short while being read: image " +
                      std::to_string(i) + " needs bytes up to " +
                      std::to_string(offset_[i] + static_cast<int64_t>(img.pixels.size())) +
                      ", the file now has " + std::to_string(st.st_size) +
                      (r < 0 ? std::string(" (") + std::strerror(errno) + ")" : std::string()));
    }
    done += static_cast<size_t>(r);
  }
  return img;
}

std::string ShardDataset::describe() const {
  std::string s = "shards '" + dir_ + "' (" + std::to_string(size()) + " images, short side " +
                  std::to_string(short_side_) + ", " + count_of(channels_, "channel");
  if (!classes_.empty())
    s += ", " + std::to_string(classes_.size()) + " classes";
  return s + ")";
}

} // namespace mae

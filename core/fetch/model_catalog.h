// The public MAE checkpoints `mae fetch` and Model > Get models... offer:
// configs/fetch/catalog.json (the official repo's .pth files, the HuggingFace
// hub's facebook/vit-mae-*), validated on load with the field named.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mae {

struct CatalogFile {
  std::string url;
  std::string name;   // the file's name once downloaded (model.safetensors, config.json, ...)
  int64_t size = -1;  // bytes, where the publisher lists it; -1: the server's Content-Length
  std::string sha256; // hex, where the publisher lists it; else HuggingFace's X-Linked-Etag
};

struct CatalogEntry {
  std::string name; // what `mae fetch NAME` takes
  std::string description;
  std::string source; // who publishes it: "facebookresearch/mae", "huggingface.co/facebook/..."
  std::string arch;   // a named architecture (configs/models/) for .pth files without one
  bool encoder_only = false;      // the official pretrain files: no decoder, cannot reconstruct
  std::vector<CatalogFile> files; // one .pth, or a HuggingFace folder's files
  int64_t total_size() const;     // -1 when a size is unknown
};

void from_json(const nlohmann::json& j, CatalogFile& f);
void from_json(const nlohmann::json& j, CatalogEntry& e);

// ConfigError naming the file and field on anything wrong.
std::vector<CatalogEntry> load_catalog(const std::string& path);
// configs/fetch/catalog.json of this installation or source tree.
std::string default_catalog_path();
// The entry called `name`; UsageError listing the names otherwise.
const CatalogEntry& find_entry(const std::vector<CatalogEntry>& catalog, const std::string& name);

} // namespace mae

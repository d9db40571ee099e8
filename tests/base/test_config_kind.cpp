#include "base/config_kind.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace mae {
namespace {

ConfigKind kind_of_file(const fs::path& path) {
  std::ifstream in(path);
  return config_kind(nlohmann::json::parse(in));
}

// Every config the project ships is told apart from the others by its fields.
TEST(ConfigKind, EveryShippedConfigIsItsKind) {
  const fs::path root = MAE_SOURCE_DIR;
  const std::pair<const char*, ConfigKind> folders[] = {
      {"configs/train", ConfigKind::Training},    {"configs/sweeps", ConfigKind::Sweep},
      {"configs/finetune", ConfigKind::Finetune}, {"configs/models", ConfigKind::Model},
      {"assets/lessons", ConfigKind::Lesson},
  };
  int files = 0;
  for (const auto& [folder, kind] : folders)
    for (const auto& entry : fs::directory_iterator(root / folder)) {
      const bool tables = entry.path().filename() == "paper_ablations.json";
      EXPECT_EQ(kind_of_file(entry.path()), tables ? ConfigKind::PaperTables : kind)
          << entry.path();
      ++files;
    }
  EXPECT_GT(files, 20);
  EXPECT_EQ(kind_of_file(root / "configs/fetch/catalog.json"), ConfigKind::Catalog);
  EXPECT_EQ(kind_of_file(fs::path(MAE_TEST_DATA) / "vitmae/rgb32_p4/hf/config.json"),
            ConfigKind::HuggingFace);
  EXPECT_EQ(config_kind(nlohmann::json{{"format", "mae-studio view"}, {"model", "m"}}),
            ConfigKind::View);
}

TEST(ConfigKind, AHintOnlyForPlainlyAnotherKind) {
  const auto sweep = nlohmann::json{{"base", "t.json"}, {"axes", nlohmann::json::array()}};
  EXPECT_EQ(other_kind_hint(sweep, ConfigKind::Training),
            "; the file is a sweep file (mae sweep FILE, or the app's Experiments tab)");
  EXPECT_EQ(other_kind_hint(sweep, ConfigKind::Sweep), "");
  // A training config with a misspelt field is still a training config: no hint.
  EXPECT_EQ(
      other_kind_hint(nlohmann::json{{"arch", "a"}, {"mask_ratoi", 0.75}}, ConfigKind::Training),
      "");
  // Nothing recognisable, or not an object: no guess.
  EXPECT_EQ(other_kind_hint(nlohmann::json{{"colour", "red"}}, ConfigKind::Training), "");
  EXPECT_EQ(other_kind_hint(nlohmann::json::array(), ConfigKind::Training), "");
}

} // namespace
} // namespace mae

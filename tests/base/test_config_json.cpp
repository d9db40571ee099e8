// JSON config reading: parse errors a person can read.
#include "base/config_json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mae {
namespace {

struct TinyConfig {
  static constexpr ConfigKind kKind = ConfigKind::Unknown;
  int n = 1;
  void validate() const { require_field(n > 0, "n", "must be positive"); }
};

void from_json(const nlohmann::json& j, TinyConfig& c) {
  check_known_fields(j, {"n"});
  read_field(j, "n", c.n);
}

std::string error_of(const std::string& text) {
  try {
    parse_config_json<TinyConfig>(text, "my.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Where and what, without nlohmann's "[json.exception.parse_error.101] parse
// error at " in front.
TEST(ConfigJson, ParseErrorsSayWhereWithoutTheLibrarysCode) {
  const std::string e = error_of("{\"n\": 2,\n");
  EXPECT_EQ(e.rfind("my.json: not valid JSON: line 2, column 1: syntax error", 0), 0u) << e;
  EXPECT_EQ(e.find("json.exception"), std::string::npos) << e;
  EXPECT_EQ(error_of("{\"n\": 0}"), "my.json: config field 'n': must be positive");
  EXPECT_EQ(error_of("{\"n\": 3}"), "");
  try { // other errors lose the code too
    (void)nlohmann::json::parse("[1]").at(5);
    ADD_FAILURE() << "no exception";
  } catch (const nlohmann::json::exception& x) {
    EXPECT_EQ(json_error_text(x), "array index 5 is out of range");
  }
}

// A file of gigabytes named as a config is refused by its size, not read whole.
TEST(ConfigJson, AFileFarLargerThanAnyConfigIsRefusedUnread) {
  const std::string path = std::string(MAE_TEST_TMP) + "/huge_config.json";
  std::filesystem::create_directories(MAE_TEST_TMP);
  { std::ofstream(path) << "{}"; }
  EXPECT_EQ(read_config_file(path, "config"), "{}");
  std::filesystem::resize_file(path, std::uintmax_t{4} << 30); // sparse: no disk used
  try {
    read_config_file(path, "config");
    ADD_FAILURE() << "a 4 GB config was read";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("it is 4096 MB, more than any config"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

// [[[[...]]]] 100,000 deep parses (nlohmann's parser is iterative) but would
// overflow the stack when copied, compared or dumped: refused while parsing.
TEST(ConfigJson, ValuesNestedDeeperThanAnyConfigAreRefused) {
  const std::string deep =
      R"({"axes": [{"values": )" + std::string(100000, '[') + std::string(100000, ']') + "}]}";
  try {
    parse_json(deep, "sweep.json");
    ADD_FAILURE() << "parsed";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "sweep.json: not valid JSON: values nested deeper than 64 levels, more than any "
              "config");
  }
  EXPECT_TRUE(parse_json_or_discarded(deep).is_discarded());
  EXPECT_TRUE(parse_json_or_discarded("{\"n\": ").is_discarded());
  EXPECT_EQ(error_of(deep).find("my.json: not valid JSON: values nested deeper"), 0u);
  // 64 levels is still JSON; real configs are 3 or 4 deep.
  const std::string at_limit = std::string(63, '[') + "1" + std::string(63, ']');
  EXPECT_FALSE(parse_json_or_discarded(at_limit).is_discarded());
  const auto j = parse_json(R"({"a": {"b": [[1, 2], {"c": null}]}})", "x");
  EXPECT_EQ(j["a"]["b"][0][1], 2);
}

// The usual slips of a hand-edited config are named, beside where they are.
TEST(ConfigJson, ParseErrorsNameAMissingOrExtraComma) {
  const std::string missing = error_of("{\n  \"arch\": \"x\"\n  \"blr\": 1\n}");
  EXPECT_NE(missing.find("line 3, column 7:"), std::string::npos) << missing;
  EXPECT_NE(missing.find("(a ',' missing before it?)"), std::string::npos) << missing;
  const std::string numbers = error_of(R"({"mean": [0.485 0.456]})");
  EXPECT_NE(numbers.find("(a ',' missing before it?)"), std::string::npos) << numbers;
  for (const char* extra : {R"({"arch": "x",})", R"({"a": [1, 2,]})"}) {
    const std::string e = error_of(extra);
    EXPECT_NE(e.find("(a ',' after the last item? JSON allows none)"), std::string::npos) << e;
  }
  const std::string typo = error_of(R"({"bf16": tru})");
  EXPECT_NE(typo.find("invalid literal, near '\"bf16\": tru}'"), std::string::npos) << typo;
  EXPECT_EQ(typo.find("last read"), std::string::npos) << typo;
}

// A binary file given as a config: the parser's "last read" quoted its raw
// bytes to the terminal.
TEST(ConfigJson, ParseErrorsQuoteNoRawBytes) {
  const std::string e = error_of("\xff\xff");
  EXPECT_EQ(e.find('\xff'), std::string::npos) << e;
  EXPECT_NE(e.find("near '\\xFF'"), std::string::npos) << e;
  // With NUL bytes it is no text at all (a model given as the config): said so.
  const std::string binary = error_of(std::string("\xff\xff\x00", 3));
  EXPECT_NE(binary.find("not a JSON text file: it holds binary data"), std::string::npos) << binary;
  EXPECT_EQ(binary.find('\xff'), std::string::npos) << binary;
  // UTF-16 (a Windows editor's "Unicode") has NUL bytes too, but is text.
  const std::string utf16 = error_of(std::string("\xff\xfe{\0}\0", 6));
  EXPECT_NE(utf16.find("UTF-16 text; save it as UTF-8"), std::string::npos) << utf16;
  // Control bytes the library itself writes as <U+001B>.
  EXPECT_EQ(error_of("\x1b[2J").find('\x1b'), std::string::npos);
}

// The JSON library keeps the last of two equal keys without a word: which one
// the user meant is a guess, so neither is taken.
TEST(ConfigJson, AKeyTwiceInOneObjectIsRefused) {
  EXPECT_EQ(error_of(R"({"batch_size": 64, "lr": 0, "batch_size": 8})"),
            "my.json: the key 'batch_size' appears twice in one object: keep the one you mean");
  EXPECT_EQ(error_of(R"({"data": {"type": "fmnist", "type": "folder"}})"),
            "my.json: the key 'type' appears twice in one object: keep the one you mean");
  // The same key in two objects, or in an object and the one inside it, is fine.
  const auto j = parse_json(
      R"({"a": {"type": 1}, "b": {"type": 2}, "type": {"type": 3}, "l": [{"k": 1}, {"k": 2}]})",
      "x");
  EXPECT_EQ(j["type"]["type"], 3);
  EXPECT_EQ(j["l"][1]["k"], 2);
  EXPECT_TRUE(parse_json_or_discarded(R"({"k": 1, "k": 2})").is_discarded());
  // The key is quoted without its control bytes.
  EXPECT_EQ(error_of(R"({"k\u001b": 1, "k\u001b": 2})"),
            "my.json: the key 'k\\x1B' appears twice in one object: keep the one you mean");
}

} // namespace
} // namespace mae

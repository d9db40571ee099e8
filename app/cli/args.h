// A command's options, declared once: --name value, --flag, positionals. CLI11
// (Debian's libcli11-dev) parses them and generates --help; the getters check
// the values' types. Bad usage throws mae::UsageError.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mae::cli {

class Args {
public:
  Args(std::string command, std::string summary);

  // Declarations, in the order --help lists them.
  Args& option(const std::string& name, const std::string& value_name, const std::string& help,
               std::optional<std::string> default_value = std::nullopt);
  Args& flag(const std::string& name, const std::string& help);
  Args& positional(const std::string& name, const std::string& help, bool required = true);
  Args& repeated_option(const std::string& name, const std::string& value_name,
                        const std::string& help);
  // The option declared last takes values in [lo, hi] only: --help says so,
  // and get_double / get_int refuse anything else, naming the option.
  Args& range(double lo, double hi);
  // The option declared last means something only beside --`other`: given
  // without it, it is refused (rather than silently ignored).
  Args& needs(const std::string& other);
  // The option declared last must be given: --help says "(required)".
  Args& required();

  // Returns false when --help was given (usage already printed).
  bool parse(int argc, const char* const* argv);

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const; // throws if absent and no default
  std::string get_or(const std::string& name, const std::string& fallback) const;
  // A default known only after parsing (named after an input): `value` unless given.
  void default_to(const std::string& name, const std::string& value);
  std::vector<std::string> get_all(const std::string& name) const;
  double get_double(const std::string& name) const;
  long long get_int(const std::string& name) const;
  int get_int32(const std::string& name) const;     // get_int, refused beyond an int's range
  uint64_t get_seed(const std::string& name) const; // get_int, refused below 0 (no wrap-around)
  bool flag_set(const std::string& name) const;

  std::string usage() const; // "usage: mae CMD POS [options]", the first line of --help

private:
  struct Spec {
    std::string name, value_name, help;
    std::optional<std::string> default_value;
    bool is_flag = false, is_positional = false, required = false, repeated = false;
    std::optional<std::pair<double, double>> range{};
    std::string needs{};
  };
  const Spec* find(const std::string& name) const;
  // `value` (read from --name) checked against the option's range.
  void check_range(const std::string& name, double value) const;
  std::string declared_name(const Spec& s) const;
  [[noreturn]] void
  refuse_stray_word(const std::string& word,
                    const std::map<std::string, std::vector<std::string>>& given) const;

  std::string command_, summary_;
  std::vector<Spec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
};

} // namespace mae::cli

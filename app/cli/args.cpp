#include "args.h"

#include "cli11_help.h"

#include "base/errors.h"
#include "base/file_extension.h"
#include "checkpoint/model_path.h"
#include "data/image_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>

namespace mae::cli {
namespace {

// Whether a bare word would fit an option of this value name: `mae pack
// photos` meant --input photos, `mae reconstruct cat.png` --image cat.png.
bool fits(const std::string& value_name, const std::string& word) {
  if (value_name == "MODEL")
    return names_a_model(word);
  if (value_name == "IMG")
    return is_image_path(word);
  if (value_name == "DIR" || value_name == "PATH") {
    std::error_code ec;
    return std::filesystem::is_directory(word, ec);
  }
  const std::string ext = lower_extension(value_name); // FILE.json, IN.safetensors
  return !ext.empty() && ext == lower_extension(word);
}

} // namespace

Args::Args(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

Args& Args::option(const std::string& name, const std::string& value_name, const std::string& help,
                   std::optional<std::string> default_value) {
  specs_.push_back({name, value_name, help, std::move(default_value)});
  return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
  Spec s{name, "", help, std::nullopt};
  s.is_flag = true;
  specs_.push_back(s);
  return *this;
}

Args& Args::positional(const std::string& name, const std::string& help, bool required) {
  Spec s{name, name, help, std::nullopt};
  s.is_positional = true;
  s.required = required;
  specs_.push_back(s);
  return *this;
}

Args& Args::repeated_option(const std::string& name, const std::string& value_name,
                            const std::string& help) {
  Spec s{name, value_name, help, std::nullopt};
  s.repeated = true;
  specs_.push_back(s);
  return *this;
}

Args& Args::range(double lo, double hi) {
  specs_.back().range = std::make_pair(lo, hi);
  return *this;
}

Args& Args::needs(const std::string& other) {
  specs_.back().needs = other;
  return *this;
}

Args& Args::required() {
  specs_.back().required = true;
  return *this;
}

namespace {

// 65536, not 65536.000000 or 6.5536e+04.
std::string number_text(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string range_text(const std::pair<double, double>& r) {
  return "[" + number_text(r.first) + ", " + number_text(r.second) + "]";
}

} // namespace

void Args::check_range(const std::string& name, double value) const {
  const Spec* spec = find(name);
  if (spec && spec->range && !(value >= spec->range->first && value <= spec->range->second))
    throw UsageError("--" + name + " must be in " + range_text(*spec->range) + ", got " +
                     get(name));
}

const Args::Spec* Args::find(const std::string& name) const {
  for (const auto& s : specs_)
    if (s.name == name)
      return &s;
  return nullptr;
}

std::string Args::usage() const {
  std::string line = "usage: mae " + command_;
  for (const auto& spec : specs_)
    if (spec.is_positional)
      line += spec.required ? " " + spec.name : " [" + spec.name + "]";
  return line + " [options]";
}

// A positional may also be given as an option of its name (`mae info --model
// M`, as every other command takes its model), unless the command has an
// option of that name already.
std::string Args::declared_name(const Spec& s) const {
  if (!s.is_positional)
    return "--" + s.name;
  std::string option = s.name;
  std::transform(option.begin(), option.end(), option.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return find(option) ? s.name : s.name + ",--" + option;
}

// The declarations become one CLI11 app; its values land in values_, where the
// typed getters below read and check them.
bool Args::parse(int argc, const char* const* argv) {
  CLI::App app(summary_, "mae " + command_);
  app.formatter(std::make_shared<cli11::HelpFormatter>(usage()));
  app.set_help_flag("--help,-h", "show this help");
  std::map<std::string, std::vector<std::string>> raw;
  std::map<std::string, CLI::Option*> flags;
  for (const Spec& s : specs_) {
    if (s.is_flag) {
      flags[s.name] = app.add_flag("--" + s.name, s.help);
      continue;
    }
    const std::string help = (s.range ? s.help + ", in " + range_text(*s.range) : s.help) +
                             (s.required && !s.is_positional ? " (required)" : "");
    CLI::Option* o = app.add_option(declared_name(s), raw[s.name], help);
    o->type_name(s.value_name)->expected(1)->allow_extra_args(false);
    // A required positional is checked after parsing: CLI11 would name its option form.
    if (!s.is_positional) {
      o->multi_option_policy(s.repeated ? CLI::MultiOptionPolicy::TakeAll
                                        : CLI::MultiOptionPolicy::Throw);
      if (s.default_value)
        o->default_str(*s.default_value);
    }
  }
  std::vector<std::string> args(argv, argv + argc);
  cli11::refuse_unknown_options(app, args, "see mae " + command_ + " --help");
  std::reverse(args.begin(), args.end()); // CLI11 takes them last first
  app.allow_extras(); // words no positional takes: refused below, with the option meant
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return false;
  } catch (const CLI::ParseError& e) {
    throw UsageError(cli11::parse_error_text(e) + " (see mae " + command_ + " --help)");
  }
  for (const std::string& word : app.remaining())
    if (word != "--") // CLI11 keeps the separator among the extras
      refuse_stray_word(word, raw);
  for (auto& [name, values] : raw)
    if (!values.empty())
      values_[name] = std::move(values);
  for (const Spec& s : specs_) {
    if (s.required && !has(s.name))
      throw UsageError((s.is_positional ? "" : "--") + s.name + " is required (see mae " +
                       command_ + " --help)");
    if (!s.needs.empty() && has(s.name) && !has(s.needs))
      throw UsageError("--" + s.name + " applies to --" + s.needs + " only: give --" + s.needs +
                       " as well, or leave --" + s.name + " out");
  }
  for (const auto& [name, option] : flags)
    if (option->count() > 0)
      values_[name] = {"1"};
  return true;
}

// A word without an option before it, beyond the command's positionals:
// named, with the options not given whose value it fits.
void Args::refuse_stray_word(const std::string& word,
                             const std::map<std::string, std::vector<std::string>>& given) const {
  std::string meant;
  for (const Spec& s : specs_) {
    const auto it = given.find(s.name);
    const bool unset = it == given.end() || it->second.empty();
    if (!s.is_flag && !s.is_positional && s.name != "out" && unset && fits(s.value_name, word))
      meant += (meant.empty() ? " (did you mean --" : " or --") + s.name + " " + word;
  }
  throw UsageError("unexpected argument '" + word + "'" +
                   (meant.empty() ? "; " + usage() : meant + "?)") + " (see mae " + command_ +
                   " --help)");
}

bool Args::has(const std::string& name) const {
  return values_.count(name) > 0;
}

std::string Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end())
    return it->second.back();
  const Spec* spec = find(name);
  if (spec && spec->default_value)
    return *spec->default_value;
  throw UsageError("--" + name + " is required (see mae " + command_ + " --help)");
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return has(name) ? get(name) : fallback;
}

void Args::default_to(const std::string& name, const std::string& value) {
  if (!has(name))
    values_[name] = {value};
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

double Args::get_double(const std::string& name) const {
  const std::string v = get(name);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(d))
    throw UsageError("--" + name + " expects a finite number, got '" + v + "'");
  check_range(name, d);
  return d;
}

long long Args::get_int(const std::string& name) const {
  const std::string v = get(name);
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0')
    throw UsageError("--" + name + " expects an integer, got '" + v + "'");
  if (errno == ERANGE) {
    if (const Spec* spec = find(name); spec && spec->range) // the range a user can give
      throw UsageError("--" + name + " must be in " + range_text(*spec->range) + ", got " + v);
    throw UsageError("--" + name + " " + v + " is out of range");
  }
  check_range(name, static_cast<double>(n));
  return n;
}

int Args::get_int32(const std::string& name) const {
  const long long n = get_int(name);
  // A cast would wrap: --threads 4294967298 would be 2.
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max())
    throw UsageError("--" + name + " " + get(name) + " is out of range");
  return static_cast<int>(n);
}

uint64_t Args::get_seed(const std::string& name) const {
  const long long n = get_int(name);
  // A cast would wrap: --seed -1 would be 18446744073709551615.
  if (n < 0)
    throw UsageError("--" + name + " must be a whole number from 0, got " + get(name));
  return static_cast<uint64_t>(n);
}

bool Args::flag_set(const std::string& name) const {
  return has(name);
}

} // namespace mae::cli

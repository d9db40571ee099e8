#include "args.h"

#include "base/errors.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace mae::cli {

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

const Args::Spec* Args::find(const std::string& name) const {
  for (const auto& s : specs_)
    if (s.name == name)
      return &s;
  return nullptr;
}

bool Args::parse(int argc, const char* const* argv) {
  std::vector<const Spec*> positionals;
  for (const auto& s : specs_)
    if (s.is_positional)
      positionals.push_back(&s);
  size_t next_positional = 0;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage();
      return false;
    }
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2), value;
      const auto eq = name.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value)
        value = name.substr(eq + 1), name = name.substr(0, eq);
      const Spec* spec = find(name);
      if (!spec || spec->is_positional)
        throw UsageError("mae " + command_ + ": unknown option --" + name + " (see mae " +
                         command_ + " --help)");
      if (spec->is_flag) {
        if (inline_value)
          throw UsageError("mae " + command_ + ": --" + name + " takes no value");
        values_[name].push_back("1");
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= argc)
          throw UsageError("mae " + command_ + ": --" + name + " needs a value");
        value = argv[++i];
      }
      if (!spec->repeated && values_.count(name))
        throw UsageError("mae " + command_ + ": --" + name + " given twice");
      values_[name].push_back(value);
    } else {
      if (next_positional >= positionals.size())
        throw UsageError("mae " + command_ + ": unexpected argument '" + arg + "'");
      values_[positionals[next_positional++]->name].push_back(arg);
    }
  }
  for (const auto* p : positionals)
    if (p->required && !values_.count(p->name))
      throw UsageError("mae " + command_ + ": missing " + p->name + " (see mae " + command_ +
                       " --help)");
  return true;
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
  throw UsageError("mae " + command_ + ": --" + name + " is required (see mae " + command_ +
                   " --help)");
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return has(name) ? get(name) : fallback;
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
    throw UsageError("mae " + command_ + ": --" + name + " expects a finite number, got '" + v +
                     "'");
  return d;
}

long long Args::get_int(const std::string& name) const {
  const std::string v = get(name);
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0')
    throw UsageError("mae " + command_ + ": --" + name + " expects an integer, got '" + v + "'");
  if (errno == ERANGE)
    throw UsageError("mae " + command_ + ": --" + name + " " + v + " is out of range");
  return n;
}

bool Args::flag_set(const std::string& name) const {
  return has(name);
}

std::string Args::usage() const {
  std::ostringstream s;
  s << "usage: mae " << command_;
  for (const auto& spec : specs_)
    if (spec.is_positional)
      s << (spec.required ? " " : " [") << spec.name << (spec.required ? "" : "]");
  s << " [options]\n\n" << summary_ << "\n\n";
  for (const auto& spec : specs_) {
    std::string left = spec.is_positional
                           ? "  " + spec.name
                           : "  --" + spec.name + (spec.is_flag ? "" : " " + spec.value_name);
    if (left.size() < 28)
      left.resize(28, ' ');
    else
      left += "\n" + std::string(28, ' ');
    s << left << spec.help;
    if (spec.default_value)
      s << " (default: " << *spec.default_value << ")";
    s << "\n";
  }
  s << "  --help                    show this help\n";
  return s.str();
}

} // namespace mae::cli

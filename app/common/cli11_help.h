// What `mae <command> --help` and `mae-studio --help` share on top of CLI11
// (Debian's libcli11-dev): the usage line first, value names without the
// validators' decoration, descriptions wrapped under their option, and CLI11's
// two clumsiest parse errors put plainly, a mistyped option named with the one
// probably meant. Header-only; included by the two parsers (app/cli/args.cpp,
// app/studio/cli_options.cpp) only.
#pragma once

#include "base/errors.h"
#include "base/nearest_name.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace mae::cli11 {

class HelpFormatter : public CLI::Formatter {
public:
  explicit HelpFormatter(std::string usage, size_t left = 28, size_t width = 100)
      : usage_(std::move(usage)), left_(left), width_(width) {}

  std::string make_description(const CLI::App*) const override { return ""; }
  std::string make_usage(const CLI::App* app, std::string) const override {
    return usage_ + "\n\n" + app->get_description() + "\n";
  }
  std::string make_option(const CLI::Option* opt, bool positional) const override {
    std::string left = "  " + make_option_name(opt, positional);
    if (!positional && opt->get_type_size() != 0)
      left += " " + value_name(opt);
    // A positional's option form (`--model` for MODEL) is described by its name.
    const bool option_form = !positional && opt->get_positional();
    return wrap(left, option_form ? "the same as " + opt->get_name(true) : make_option_desc(opt));
  }
  std::string make_option_desc(const CLI::Option* opt) const override {
    const std::string d = opt->get_default_str();
    return opt->get_description() + (d.empty() ? "" : " (default: " + d + ")");
  }

private:
  // The name the option was declared with, without what CLI11's checks add
  // (":INT in [a - b]", ":{a,b}"); a colon of the name itself stays
  // ("shards:DIR", "FROM:TO:STEP").
  static std::string value_name(const CLI::Option* opt) {
    std::string name = opt->get_type_name();
    for (size_t colon = name.find(':'); colon != std::string::npos;
         colon = name.find(':', colon + 1)) {
      const std::string rest = name.substr(colon + 1);
      if (rest.find(' ') != std::string::npos || rest.rfind('{', 0) == 0 ||
          rest.rfind('[', 0) == 0) {
        name.resize(colon);
        break;
      }
    }
    return name + (opt->get_expected_max() > 1 ? " ..." : "");
  }
  // `left`, then the text in a column from left_, wrapped at width_.
  std::string wrap(std::string left, const std::string& text) const {
    std::ostringstream out;
    if (left.size() + 1 > left_)
      out << left << "\n" << std::string(left_, ' ');
    else
      out << left << std::string(left_ - left.size(), ' ');
    size_t column = left_;
    std::istringstream words(text);
    std::string word;
    bool first = true;
    while (words >> word) {
      if (!first && column + 1 + word.size() > width_) {
        out << "\n" << std::string(left_, ' ');
        column = left_;
        first = true;
      }
      out << (first ? "" : " ") << word;
      column += word.size() + (first ? 0 : 1);
      first = false;
    }
    out << "\n";
    return out.str();
  }

  std::string usage_;
  size_t left_, width_;
};

// CLI11's message, with "1 required X missing" and "At Most 1 required but
// received 2" said plainly.
inline std::string parse_error_text(const CLI::ParseError& e) {
  const std::string text = e.what();
  const std::string option = text.substr(0, text.find(':'));
  if (e.get_name() == "ArgumentMismatch" && text.find("At Most") != std::string::npos)
    return option + " given more than once";
  if (e.get_name() == "ArgumentMismatch")
    return option + " needs a value";
  return text;
}

// Throws UsageError naming the first --option in `args` that `app` does not
// have, with the one it was probably meant to be ("unknown option --confg (did
// you mean --config?)"). Called before parsing: CLI11 would report a required
// option missing first, when the user typed it, misspelt.
inline void refuse_unknown_options(const CLI::App& app, const std::vector<std::string>& args,
                                   const std::string& see_help) {
  std::vector<std::string> known;
  for (const CLI::Option* o : app.get_options())
    for (const std::string& name : o->get_lnames())
      known.push_back("--" + name);
  for (const std::string& arg : args) {
    if (arg == "--")
      return; // the words after it are positionals, whatever they start with
    if (arg.size() <= 2 || arg.compare(0, 2, "--") != 0)
      continue;
    const std::string name = arg.substr(0, arg.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end())
      continue;
    std::string hint = did_you_mean(name, known, "");
    // No near name (pack's --input typed as eval-recon's --images): a short
    // list of the options says which one it is.
    if (hint.empty() && known.size() <= 14) {
      std::string list;
      for (const std::string& k : known)
        if (k != "--help")
          list += (list.empty() ? "" : ", ") + k;
      hint = "; the options are " + list;
    }
    throw UsageError("unknown option " + name + hint + " (" + see_help + ")");
  }
}

} // namespace mae::cli11

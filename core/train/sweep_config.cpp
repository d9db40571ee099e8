#include "train/sweep_config.h"

#include "base/config_json.h"

#include <algorithm>
#include <filesystem>

namespace mae {
namespace fs = std::filesystem;
namespace {

const std::vector<std::string> kProtocols = {"knn", "linear_probe", "finetune"};

// Sets `field` (dotted) of `j`; an object value is merged into an object field.
void set_field(nlohmann::json& j, const std::string& field, const nlohmann::json& value) {
  nlohmann::json* at = &j;
  size_t start = 0;
  for (size_t dot; (dot = field.find('.', start)) != std::string::npos; start = dot + 1) {
    at = &(*at)[field.substr(start, dot - start)];
    if (!at->is_object())
      *at = nlohmann::json::object();
  }
  nlohmann::json& leaf = (*at)[field.substr(start)];
  if (value.is_object() && leaf.is_object())
    leaf.merge_patch(value);
  else
    leaf = value;
}

std::string safe_label(const std::string& s) {
  std::string out;
  for (char c : s)
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '='
            ? c
            : '_';
  return out.substr(0, 40);
}

} // namespace

bool SweepConfig::evaluates(const std::string& protocol) const {
  return std::find(evaluations.begin(), evaluations.end(), protocol) != evaluations.end();
}

void SweepConfig::validate() const {
  require_field(!name.empty() && name.find_first_of("/\\") == std::string::npos, "name",
                "must be a non-empty name without slashes");
  require_field(!base.empty(), "base", "must name a training config");
  require_field(overrides.is_object(), "overrides", "must be an object of training-config keys");
  require_field(axes.size() == 1 || axes.size() == 2, "axes", "must hold one or two axes");
  for (size_t i = 0; i < axes.size(); ++i) {
    const std::string at = "axes[" + std::to_string(i) + "].";
    require_field(!axes[i].field.empty(), at + "field", "must name a training-config key");
    require_field(!axes[i].values.empty() && axes[i].values.size() <= 64, at + "values",
                  "must hold 1 to 64 values");
    require_field(axes[i].labels.size() == axes[i].values.size(), at + "labels",
                  "must have one label per value");
    // The same value twice would train the same run twice under two names.
    for (size_t a = 0; a < axes[i].values.size(); ++a)
      for (size_t b = a + 1; b < axes[i].values.size(); ++b)
        require_field(axes[i].values[a] != axes[i].values[b], at + "values",
                      axes[i].values[a].dump() + " is given twice");
  }
  require_field(axes.size() != 2 || axes[0].field != axes[1].field, "axes[1].field",
                "must differ from axes[0].field ('" + axes[0].field +
                    "'): one would override the other");
  require_field(!evaluations.empty(), "evaluations", "must name at least one protocol");
  for (const auto& e : evaluations)
    require_field(std::find(kProtocols.begin(), kProtocols.end(), e) != kProtocols.end(),
                  "evaluations", "must be knn, linear_probe or finetune, not \"" + e + "\"");
  require_field(linear_probe.epochs > 0 && linear_probe.batch_size > 0 && linear_probe.blr > 0 &&
                    linear_probe.max_train >= 0 && linear_probe.max_test >= 0,
                "linear_probe", "epochs, batch_size and blr must be positive");
  try {
    finetune.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("finetune: ") + e.what());
  }
  require_field(reference.file.empty() == reference.table.empty(), "reference",
                "needs both file and table");
}

void to_json(nlohmann::json& j, const SweepConfig& c) {
  nlohmann::json axes = nlohmann::json::array();
  for (const auto& a : c.axes)
    axes.push_back({{"field", a.field}, {"values", a.values}, {"labels", a.labels}});
  j = {{"name", c.name},
       {"title", c.title},
       {"base", c.base},
       {"overrides", c.overrides},
       {"axes", axes},
       {"evaluations", c.evaluations},
       {"linear_probe",
        {{"epochs", c.linear_probe.epochs},
         {"batch_size", c.linear_probe.batch_size},
         {"blr", c.linear_probe.blr},
         {"max_train", c.linear_probe.max_train},
         {"max_test", c.linear_probe.max_test}}},
       {"finetune", c.finetune}};
  // The note and the findings are words for the reader, not part of the
  // experiment: a sweep's record (sweep.json beside its results) is the same
  // with or without them.
  if (!c.reference.file.empty())
    j["reference"] = {{"file", c.reference.file}, {"table", c.reference.table}};
}

void from_json(const nlohmann::json& j, SweepConfig& c) {
  check_known_fields(j, {"name", "title", "base", "overrides", "axes", "evaluations",
                         "linear_probe", "finetune", "reference", "findings"});
  read_field(j, "name", c.name);
  read_field(j, "title", c.title);
  read_field(j, "findings", c.findings);
  read_field(j, "base", c.base);
  c.overrides = j.value("overrides", nlohmann::json::object());
  const auto axes = j.value("axes", nlohmann::json::array());
  require_field(axes.is_array(), "axes", "must be an array");
  c.axes.clear();
  for (size_t i = 0; i < axes.size(); ++i) {
    const std::string at = "axes[" + std::to_string(i) + "].";
    check_known_fields(axes[i], {"field", "values", "labels"}, at);
    SweepAxis a;
    read_field(axes[i], "field", a.field, at);
    const auto values = axes[i].value("values", nlohmann::json::array());
    require_field(values.is_array(), at + "values", "must be an array");
    a.values.assign(values.begin(), values.end());
    if (axes[i].contains("labels")) {
      require_field(axes[i]["labels"].is_array(), at + "labels", "must be an array of strings");
      for (const auto& l : axes[i]["labels"]) {
        require_field(l.is_string(), at + "labels", "must be an array of strings");
        a.labels.push_back(l.get<std::string>());
      }
    } else {
      for (const auto& v : a.values)
        a.labels.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    c.axes.push_back(std::move(a));
  }
  const auto evaluations = j.value("evaluations", nlohmann::json::array({"knn"}));
  require_field(evaluations.is_array(), "evaluations", "must be an array of protocol names");
  c.evaluations.clear();
  for (const auto& e : evaluations) {
    require_field(e.is_string(), "evaluations", "must be an array of protocol names");
    c.evaluations.push_back(e.get<std::string>());
  }
  if (j.contains("linear_probe")) {
    const auto& p = j["linear_probe"];
    check_known_fields(p, {"epochs", "batch_size", "blr", "max_train", "max_test"},
                       "linear_probe.");
    read_field(p, "epochs", c.linear_probe.epochs, "linear_probe.");
    read_field(p, "batch_size", c.linear_probe.batch_size, "linear_probe.");
    read_field(p, "blr", c.linear_probe.blr, "linear_probe.");
    read_field(p, "max_train", c.linear_probe.max_train, "linear_probe.");
    read_field(p, "max_test", c.linear_probe.max_test, "linear_probe.");
  }
  if (j.contains("finetune")) {
    try {
      from_json(j["finetune"], c.finetune);
    } catch (const ConfigError& e) {
      throw ConfigError(std::string("finetune: ") + e.what());
    }
  }
  if (j.contains("reference")) {
    check_known_fields(j["reference"], {"file", "table", "note"}, "reference.");
    read_field(j["reference"], "file", c.reference.file, "reference.");
    read_field(j["reference"], "table", c.reference.table, "reference.");
    read_field(j["reference"], "note", c.reference.note, "reference.");
  }
}

SweepConfig load_sweep(const std::string& path) {
  SweepConfig s = parse_config_json<SweepConfig>(read_config_file(path, "sweep"), path);
  expand_sweep(s, fs::path(path).parent_path().string()); // every run's config checked now
  return s;
}

nlohmann::json sweep_run_json(const nlohmann::json& base, const SweepConfig& sweep,
                              const std::vector<nlohmann::json>& values) {
  nlohmann::json j = base;
  for (auto it = sweep.overrides.begin(); it != sweep.overrides.end(); ++it)
    set_field(j, it.key(), it.value());
  for (size_t a = 0; a < values.size(); ++a)
    set_field(j, sweep.axes[a].field, values[a]);
  return j;
}

std::vector<SweepRun> expand_sweep(const SweepConfig& sweep, const std::string& sweep_dir) {
  const std::string base_path = (fs::path(sweep_dir) / sweep.base).string();
  const nlohmann::json base =
      parse_json(read_config_file(base_path, "base training config"), base_path);
  if (!base.is_object()) // the axes set its fields
    throw ConfigError(base_path + ": the sweep's base must be a training config, a JSON object");
  std::vector<SweepRun> runs;
  const size_t n0 = sweep.axes[0].values.size();
  const size_t n1 = sweep.axes.size() > 1 ? sweep.axes[1].values.size() : 1;
  for (size_t i = 0; i < n0; ++i)
    for (size_t k = 0; k < n1; ++k) {
      SweepRun r;
      r.index = static_cast<int>(runs.size());
      std::vector<size_t> at = {i, k};
      std::string id;
      for (size_t a = 0; a < sweep.axes.size(); ++a) {
        r.values.push_back(sweep.axes[a].values[at[a]]);
        r.labels.push_back(sweep.axes[a].labels[at[a]]);
        id += (a ? "," : "") + safe_label(sweep.axes[a].field + "=" + r.labels.back());
      }
      char prefix[16];
      std::snprintf(prefix, sizeof prefix, "%02d-", r.index);
      r.id = prefix + id;
      nlohmann::json j = sweep_run_json(base, sweep, r.values);
      j["name"] = sweep.name + "-" + r.id;
      r.config = parse_train_config(j.dump(), "sweep " + sweep.name + ", run " + r.id);
      runs.push_back(std::move(r));
    }
  return runs;
}

namespace {

// At most `n` of something where 0 means all.
int64_t at_most(int64_t value, int64_t n) {
  return value == 0 ? n : std::min(value, n);
}

} // namespace

void make_quick(SweepConfig& sweep, const std::string& sweep_dir) {
  const TrainConfig first = expand_sweep(sweep, sweep_dir).front().config;
  sweep.title += " (quick evaluations)";
  // Never more than the base asks for (a small sweep's probe stays small).
  sweep.overrides["probe_bank_size"] = std::min(first.probe_bank_size, 1000);
  sweep.overrides["probe_query_size"] = std::min(first.probe_query_size, 500);
  SweepProbeSettings& lp = sweep.linear_probe;
  lp.batch_size = std::min(lp.batch_size, 256); // as many head steps over fewer features
  lp.max_train = at_most(lp.max_train, 2000);
  lp.max_test = at_most(lp.max_test, 1000);
  FinetuneConfig& ft = sweep.finetune;
  ft.epochs = std::min(ft.epochs, 1.0);
  ft.max_train = at_most(ft.max_train, 2000);
  ft.max_test = at_most(ft.max_test, 1000);
}

std::string default_sweep_dir(const SweepConfig& sweep, bool quick) {
  return (fs::path("runs") / "sweeps" / (sweep.name + (quick ? "-quick" : ""))).string();
}

} // namespace mae

#include "train/sweep_runner.h"

#include "base/config_json.h"
#include "base/csv_cell.h"
#include "base/errors.h"
#include "base/folder_lock.h"
#include "base/json_number.h"
#include "base/name_list.h"
#include "base/regular_file.h"
#include "formats/atomic_file.h"
#include "train/finetune.h"
#include "train/linear_probe.h"
#include "train/metrics_log.h"
#include "train/trainer.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace mae {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// A run's evaluations measured before a stop (SavedEvaluations).
constexpr const char* kEvaluationsName = "evaluations.json";

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// A number results.jsonl may hold: the user can edit it, and "knn": -5 is no accuracy.
std::optional<double> optional_number(const nlohmann::json& j, const char* key, double lo = 0,
                                      double hi = 1e12) {
  return json_number(j, key, lo, hi);
}

// A run's id names its folder under runs/: one plain name, never a path.
bool plain_name(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
         id.find('\0') == std::string::npos;
}

nlohmann::json result_json(const SweepRunResult& r) {
  return {{"index", r.index},
          {"id", r.id},
          {"labels", r.labels},
          {"values", r.values},
          {"knn", optional_json(r.knn)},
          {"linear_probe", optional_json(r.linear_probe)},
          {"finetune", optional_json(r.finetune)},
          {"final_loss", optional_json(r.final_loss)},
          {"steps", r.steps},
          {"train_seconds", r.train_seconds},
          {"eval_seconds", r.eval_seconds},
          {"reused_from",
           r.reused_from.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.reused_from)}};
}

nlohmann::json evaluation_settings(const nlohmann::json& sweep) {
  nlohmann::json out;
  for (const char* key : {"evaluations", "linear_probe", "finetune"})
    out[key] = sweep.value(key, nlohmann::json());
  return out;
}

// The sweep as it runs: the definition and every run's resolved config. A
// folder holding a different one is another experiment's.
nlohmann::json sweep_record(const SweepConfig& sweep, const std::vector<SweepRun>& runs) {
  nlohmann::json configs = nlohmann::json::array();
  for (const auto& r : runs)
    configs.push_back(nlohmann::json::parse(train_config_json(r.config)));
  return {{"format", "mae-studio sweep"}, {"sweep", sweep}, {"run_configs", configs}};
}

nlohmann::json read_record(const fs::path& folder) {
  try {
    const auto j =
        parse_json_or_discarded(read_config_file((folder / "sweep.json").string(), "file"));
    return j.is_discarded() ? nlohmann::json() : j;
  } catch (const Error&) { // none there, or unreadable: no sweep's record
    return nlohmann::json();
  }
}

// Where two sweep records differ, the first few places: in the sweep file
// ("/axes/0/values"), else in the runs' configs its base config and
// --steps make ("run 0: /total_steps").
std::string differences(const nlohmann::json& held, const nlohmann::json& record) {
  const nlohmann::json null;
  const auto at = [&](const nlohmann::json& j, const char* key) -> const nlohmann::json& {
    return j.is_object() && j.contains(key) ? j[key] : null;
  };
  const bool same_file = at(held, "sweep") == at(record, "sweep");
  const char* part = same_file ? "run_configs" : "sweep";
  std::vector<std::string> paths;
  for (const auto& op : nlohmann::json::diff(at(held, part), at(record, part))) {
    std::string path = op.value("path", "");
    if (same_file && path.size() > 1) { // "/3/total_steps" -> "run 3: /total_steps"
      const size_t slash = path.find('/', 1);
      path = "run " + path.substr(1, slash - 1) + ": " +
             (slash == std::string::npos ? "(all)" : path.substr(slash));
    }
    // "/axes/0/values/1" -> "/axes/0/values": the list, not each element.
    while (path.size() > 1 && std::isdigit(static_cast<unsigned char>(path.back()))) {
      const size_t slash = path.rfind('/');
      if (path.find_first_not_of("0123456789", slash + 1) != std::string::npos)
        break;
      path.erase(slash);
    }
    if (path.empty())
      path = "(all)";
    if (std::find(paths.begin(), paths.end(), path) == paths.end())
      paths.push_back(path);
  }
  if (paths.empty()) // fields of the record itself, edited by hand
    return "(other fields)";
  return short_name_list(paths, 4);
}

// Whether two sweep records train the same runs and differ in their
// evaluations alone: the runs' weights still stand.
bool only_evaluations_differ(const nlohmann::json& held, const nlohmann::json& record) {
  if (!held.is_object() || !held.contains("run_configs") || !held.contains("sweep") ||
      held["run_configs"] != record["run_configs"] || !held["sweep"].is_object())
    return false;
  nlohmann::json a = held["sweep"], b = record["sweep"];
  for (const auto& item : evaluation_settings(b).items())
    a.erase(item.key()), b.erase(item.key());
  return a == b && held.value("format", "") == record.value("format", "");
}

// Held for the whole sweep: one sweep a folder at a time.
FolderLock claim_folder(const SweepOptions& o, const nlohmann::json& record) {
  for (const std::string& folder : o.reuse)
    if (fs::path(folder).lexically_normal() == fs::path(o.out_dir).lexically_normal())
      throw UsageError("--reuse " + folder + " is the sweep's own folder");
  const fs::path file = fs::path(o.out_dir) / "sweep.json";
  require_folder_path(o.out_dir);
  std::error_code ec;
  const nlohmann::json held = read_record(o.out_dir);
  const bool holds_sweep = held.is_object() && held.contains("format") &&
                           held["format"] == nlohmann::json("mae-studio sweep");
  if (!holds_sweep && fs::is_directory(o.out_dir, ec) && !fs::is_empty(o.out_dir, ec))
    // Not even with --force: it would delete whatever "runs" folder is there.
    throw UsageError(o.out_dir + " is not empty and holds no sweep: choose a new or empty folder "
                                 "(--force starts over only a folder that holds a sweep)");
  const bool evaluations_changed =
      holds_sweep && held != record && only_evaluations_differ(held, record);
  if (holds_sweep && held != record && !o.force && !(evaluations_changed && o.reevaluate))
    throw UsageError(o.out_dir + " holds a different sweep (its sweep.json differs at " +
                     differences(held, record) + "): choose another folder, " +
                     (evaluations_changed
                          ? "or measure its trained runs again with --reevaluate (only the "
                            "evaluations changed; --force would train every run again)"
                          : "or start over with --force (which trains every run again)"));
  create_folder(o.out_dir);
  FolderLock lock(o.out_dir);   // before anything there changes
  if (holds_sweep && o.force) { // the sweep's own results and runs, nothing else
    for (const char* name : {"results.jsonl", "results.csv", "runs"})
      fs::remove_all(fs::path(o.out_dir) / name, ec);
  } else if (evaluations_changed) { // measured anew; the weights stay
    for (const char* name : {"results.jsonl", "results.csv"})
      fs::remove(fs::path(o.out_dir) / name, ec);
    for (const auto& run : fs::directory_iterator(fs::path(o.out_dir) / "runs", ec))
      fs::remove(run.path() / kEvaluationsName, ec);
    if (o.log)
      o.log("the evaluations changed (" + differences(held, record) +
            "): the trained runs are kept and measured again");
  }
  const std::string text = record.dump(2) + "\n";
  write_file_atomic(file.string(), text.data(), text.size());
  return lock;
}

// A run's config without its name (the sweep's name and the run's id).
nlohmann::json training_settings(nlohmann::json config) {
  if (config.is_object())
    config.erase("name");
  return config;
}

// A finished run in another sweep folder trained from the same resolved config
// and evaluated the same way, copied into this sweep as `run`.
std::optional<SweepRunResult> reuse_run(const nlohmann::json& record, const SweepRun& run,
                                        const SweepOptions& o) {
  const nlohmann::json config = training_settings(record["run_configs"][run.index]);
  const nlohmann::json evaluations = evaluation_settings(record["sweep"]);
  for (const std::string& folder : o.reuse) {
    const nlohmann::json other = read_record(folder);
    if (!other.is_object() || !other.contains("run_configs") || !other["run_configs"].is_array() ||
        !other.contains("sweep") || !other["sweep"].is_object() ||
        evaluation_settings(other["sweep"]) != evaluations)
      continue;
    const auto& configs = other["run_configs"];
    for (const SweepRunResult& found : read_sweep_results(folder)) {
      if (found.index < 0 || found.index >= static_cast<int>(configs.size()) ||
          training_settings(configs[found.index]) != config)
        continue;
      const fs::path from = fs::path(folder) / "runs" / found.id;
      const fs::path to = fs::path(o.out_dir) / "runs" / run.id;
      std::error_code ec;
      if (fs::is_directory(from, ec)) { // shipped results (docs/ablations) keep no runs
        fs::remove_all(to, ec);
        fs::create_directories(to.parent_path(), ec);
        // Links are copied as links: one to / would copy the whole disk.
        fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
        if (ec)
          throw UsageError("cannot copy " + from.string() + " to " + to.string() + ": " +
                           ec.message());
      }
      SweepRunResult r = found;
      r.index = run.index;
      r.id = run.id;
      r.labels = run.labels;
      r.values = run.values;
      r.reused_from = found.reused_from.empty() ? folder : found.reused_from;
      return r;
    }
  }
  return std::nullopt;
}

bool ends_mid_line(const fs::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in || in.tellg() <= 0)
    return false;
  in.seekg(-1, std::ios::end);
  return in.get() != '\n';
}

// The last loss a run logged: a run resumed at its end trains no step, and
// so reports none of its own.
std::optional<double> last_logged_loss(const fs::path& metrics) {
  std::error_code ec;
  if (!fs::exists(metrics, ec))
    return std::nullopt;
  const std::vector<MetricsRecord> records = read_metrics(metrics.string());
  for (auto it = records.rbegin(); it != records.rend(); ++it)
    if (it->loss)
      return it->loss;
  return std::nullopt;
}

class SweepObserver : public TrainObserver {
public:
  SweepObserver(const SweepOptions& o, const SweepRun& run) : o_(o), run_(run) {}
  void on_message(const std::string& line) override {
    if (o_.log)
      o_.log(line);
  }
  void on_progress(const TrainProgress& p) override {
    if (o_.progress)
      o_.progress(run_, p);
  }
  bool before_step(Trainer&) override { return !stop_asked(); }
  bool stop_asked() override { return o_.keep_going && !o_.keep_going(); }

private:
  const SweepOptions& o_;
  const SweepRun& run_;
};

// The evaluations of a trained run done before a stop (minutes each on a CPU),
// kept in its folder with the step they measured: a resumed sweep goes on
// with the next one.
class SavedEvaluations {
public:
  SavedEvaluations(const fs::path& run_dir, int64_t step)
      : path_((run_dir / kEvaluationsName).string()), step_(step) {
    std::error_code ec;
    if (!fs::is_regular_file(path_, ec) || fs::file_size(path_, ec) > (1 << 16))
      return;
    std::ifstream in(path_);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto j = parse_json_or_discarded(text);
    if (j.is_object() && json_whole(j, "step", kMaxTrainSteps) == step)
      saved_ = j;
  }
  std::optional<double> get(const char* key) const { return optional_number(saved_, key, 0, 1); }
  void put(const char* key, double value) {
    saved_["step"] = step_;
    saved_[key] = value;
    const std::string text = saved_.dump() + "\n";
    write_file_atomic(path_, text.data(), text.size());
  }

private:
  std::string path_;
  int64_t step_;
  nlohmann::json saved_ = nlohmann::json::object();
};

// Trains (or resumes) one run and evaluates it; nullopt when stopped.
std::optional<SweepRunResult> run_one(const SweepConfig& sweep, const SweepRun& run,
                                      const SweepOptions& o) {
  const auto stage = [&](const std::string& s) {
    if (o.on_stage)
      o.on_stage(run, s);
  };
  const fs::path dir = fs::path(o.out_dir) / "runs" / run.id;
  TrainOptions t;
  t.out_dir = dir.string();
  t.device = o.device;
  t.note_finished = false; // re-opened to be evaluated
  std::error_code ec;
  if (fs::exists(dir / kTrainStateName, ec))
    t.resume = (dir / kTrainStateName).string();
  else // trained afresh: what was measured before is of other weights
    fs::remove(dir / kEvaluationsName, ec);
  stage(t.resume.empty() ? "training" : "resuming");
  SweepRunResult r;
  r.index = run.index;
  r.id = run.id;
  r.labels = run.labels;
  r.values = run.values;
  auto start = Clock::now();
  Trainer trainer(run.config, t);
  SweepObserver observer(o, run);
  const TrainSummary s = trainer.run(observer);
  if (s.stopped_early)
    return std::nullopt;
  r.steps = s.step;
  r.final_loss = s.last.loss ? s.last.loss : last_logged_loss(dir / kMetricsName);
  r.train_seconds = seconds_since(start);
  start = Clock::now();
  SavedEvaluations saved(dir, s.step);
  if (sweep.evaluates("knn")) {
    r.knn = s.final_knn_accuracy ? s.final_knn_accuracy : saved.get("knn");
    if (!r.knn) {
      stage("k-NN probe");
      r.knn = trainer.probe([&] { return observer.stop_asked(); });
      if (!r.knn && observer.stop_asked())
        return std::nullopt;
    }
    if (r.knn)
      saved.put("knn", *r.knn);
  }
  const std::string model = (dir / kTrainModelName).string();
  if (sweep.evaluates("linear_probe") && (r.linear_probe = saved.get("linear_probe")))
    stage("linear probe: measured before the stop, kept");
  else if (sweep.evaluates("linear_probe")) {
    stage("linear probe");
    LinearProbeOptions p;
    p.data = run.config.data;
    p.epochs = sweep.linear_probe.epochs;
    p.batch_size = sweep.linear_probe.batch_size;
    p.blr = sweep.linear_probe.blr;
    p.max_train = static_cast<size_t>(sweep.linear_probe.max_train);
    p.max_test = static_cast<size_t>(sweep.linear_probe.max_test);
    p.device = o.device;
    p.seed = run.config.seed;
    p.log = o.log;
    if (o.count)
      p.progress = [&](const std::string& split, size_t done, size_t total) {
        o.count(run, "linear probe: " + split + " features", done, total);
      };
    p.keep_going = o.keep_going;
    const LinearProbeResult lp = run_linear_probe(model, {}, p);
    if (lp.stopped_early)
      return std::nullopt;
    r.linear_probe = lp.test_top1;
    saved.put("linear_probe", lp.test_top1);
  }
  if (sweep.evaluates("finetune")) {
    stage("fine-tuning");
    FinetuneOptions f;
    f.config = sweep.finetune;
    f.data = run.config.data;
    f.out_dir = (dir / "finetune").string();
    f.resume = true; // a fine-tune cut short by a stop continues where it was saved
    f.force = true;  // ... or starts afresh when there is none (or the sweep changed)
    f.device = o.device;
    f.log = o.log;
    if (o.progress)
      f.progress = [&](const TrainProgress& p) { o.progress(run, p); };
    f.keep_going = o.keep_going;
    const FinetuneResult ft = run_finetune(model, {}, f);
    if (ft.stopped_early)
      return std::nullopt;
    r.finetune = ft.test_top1;
  }
  r.eval_seconds = seconds_since(start);
  return r;
}

} // namespace

std::vector<std::string> sibling_sweeps(const std::string& out_dir) {
  std::vector<std::string> out;
  const fs::path self = fs::path(out_dir).lexically_normal();
  std::error_code ec;
  for (fs::directory_iterator it(self.parent_path().empty() ? "." : self.parent_path(), ec), end;
       !ec && it != end; it.increment(ec))
    if (it->path().lexically_normal() != self && fs::is_regular_file(it->path() / "sweep.json", ec))
      out.push_back(it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<SweepRunResult> read_sweep_results(const std::string& out_dir) {
  std::vector<SweepRunResult> out;
  const std::string path = (fs::path(out_dir) / "results.jsonl").string();
  std::error_code ec;
  if (!fs::exists(path, ec))
    return out;
  if (const std::string why = why_not_regular_file(path); !why.empty())
    throw DataError("cannot read the sweep's results '" + path + "': " + why);
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto j = parse_json_or_discarded(line);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string() ||
        !plain_name(j["id"].get<std::string>()))
      continue;
    const auto index = json_whole(j, "index", std::numeric_limits<int>::max());
    if (!index)
      continue;
    SweepRunResult r;
    r.index = static_cast<int>(*index);
    r.id = j["id"].get<std::string>();
    if (j.contains("labels") && j["labels"].is_array())
      for (const auto& l : j["labels"])
        r.labels.push_back(l.is_string() ? l.get<std::string>() : l.dump());
    if (j.contains("values") && j["values"].is_array())
      r.values.assign(j["values"].begin(), j["values"].end());
    r.knn = optional_number(j, "knn", 0, 1);
    r.linear_probe = optional_number(j, "linear_probe", 0, 1);
    r.finetune = optional_number(j, "finetune", 0, 1);
    r.final_loss = optional_number(j, "final_loss");
    r.steps = json_whole(j, "steps", kMaxTrainSteps).value_or(0);
    r.train_seconds = optional_number(j, "train_seconds").value_or(0);
    r.eval_seconds = optional_number(j, "eval_seconds").value_or(0);
    if (j.contains("reused_from") && j["reused_from"].is_string())
      r.reused_from = j["reused_from"].get<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

void write_sweep_csv(const std::string& path, const SweepConfig& sweep,
                     const std::vector<SweepRunResult>& results) {
  std::ostringstream csv;
  csv << "run";
  for (const auto& a : sweep.axes)
    csv << "," << csv_cell(a.field);
  csv << ",knn,linear_probe,finetune,final_loss,steps,train_seconds,eval_seconds\n";
  const auto cell = [](const std::optional<double>& v) {
    return v ? std::to_string(*v) : std::string();
  };
  for (const auto& r : results) {
    csv << csv_cell(r.id);
    for (const auto& l : r.labels)
      csv << "," << csv_cell(l);
    csv << "," << cell(r.knn) << "," << cell(r.linear_probe) << "," << cell(r.finetune) << ","
        << cell(r.final_loss) << "," << r.steps << "," << r.train_seconds << "," << r.eval_seconds
        << "\n";
  }
  const std::string text = csv.str();
  write_file_atomic(path, text.data(), text.size());
}

SweepSummary run_sweep(const SweepConfig& sweep, const std::string& sweep_dir,
                       const SweepOptions& o) {
  if (o.out_dir.empty())
    throw UsageError("a sweep needs an output folder");
  const std::vector<SweepRun> runs = expand_sweep(sweep, sweep_dir);
  const nlohmann::json record = sweep_record(sweep, runs);
  const FolderLock lock = claim_folder(o, record);
  const fs::path results_file = fs::path(o.out_dir) / "results.jsonl";
  if (std::error_code ec; fs::exists(results_file, ec)) // before any run trains
    if (const std::string why = why_not_regular_file(results_file.string()); !why.empty())
      throw DataError("cannot add to " + results_file.string() + ": " + why);
  SweepSummary summary;
  summary.runs = static_cast<int>(runs.size());
  std::map<std::string, SweepRunResult> done;
  for (auto& r : read_sweep_results(o.out_dir))
    done[r.id] = std::move(r);
  const auto ordered = [&] {
    std::vector<SweepRunResult> out;
    for (const auto& run : runs)
      if (const auto it = done.find(run.id); it != done.end())
        out.push_back(it->second);
    return out;
  };
  if (!done.empty() && o.log)
    o.log(std::to_string(done.size()) + " of " + std::to_string(runs.size()) +
          " runs already finished: kept");
  for (const SweepRun& run : runs) {
    if (done.count(run.id))
      continue;
    if (o.keep_going && !o.keep_going()) {
      summary.stopped = true;
      break;
    }
    std::optional<SweepRunResult> r = reuse_run(record, run, o);
    if (r && o.on_stage)
      o.on_stage(run, "same config and evaluations as a run in " + r->reused_from + ": reused");
    if (!r)
      r = run_one(sweep, run, o);
    if (!r) {
      summary.stopped = true;
      break;
    }
    {
      std::ofstream out(results_file, std::ios::app);
      // A line a kill cut short is ended first, so this one stands alone.
      out << (ends_mid_line(results_file) ? "\n" : "") << result_json(*r).dump() << "\n"
          << std::flush;
      if (!out)
        throw DataError("cannot write " + results_file.string() + " (is the disk full?)");
    }
    done[run.id] = *r;
    ++summary.ran_now;
    const auto results = ordered();
    write_sweep_csv((fs::path(o.out_dir) / "results.csv").string(), sweep, results);
    if (o.on_result)
      o.on_result(results);
  }
  summary.results = ordered();
  summary.finished = static_cast<int>(summary.results.size());
  return summary;
}

} // namespace mae

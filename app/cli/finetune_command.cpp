#include "commands.h"
#include "common.h"
#include "dist_options.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "dist/local_launch.h" // kStoppedExitCode
#include "model/model_config.h"
#include "train/finetune.h"
#include "train/progress_bar.h"
#include "train/run_plan.h"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <utility>

namespace mae::cli {
namespace {

// The flags that set a recipe key.
constexpr std::pair<const char*, const char*> kRecipeFlags[] = {
    {"epochs", "epochs"},
    {"batch-size", "batch_size"},
    {"blr", "blr"},
    {"layer-decay", "layer_decay"},
    {"drop-path", "drop_path"},
    {"label-smoothing", "label_smoothing"},
    {"last-blocks", "last_blocks"},
    {"augment", "augment"},
    {"max-train", "max_train"},
    {"max-test", "max_test"}};

// The recipe: defaults, then --recipe FILE.json, then single flags.
FinetuneConfig recipe(const Args& args) {
  FinetuneConfig c;
  if (args.has("recipe"))
    c = parse_config_json<FinetuneConfig>(read_config_file(args.get("recipe"), "recipe"),
                                          args.get("recipe"));
  if (args.has("epochs"))
    c.epochs = args.get_double("epochs");
  if (args.has("batch-size"))
    c.batch_size = args.get_int32("batch-size");
  if (args.has("blr"))
    c.blr = args.get_double("blr");
  if (args.has("layer-decay"))
    c.layer_decay = args.get_double("layer-decay");
  if (args.has("drop-path"))
    c.drop_path = args.get_double("drop-path");
  if (args.has("label-smoothing"))
    c.label_smoothing = args.get_double("label-smoothing");
  if (args.has("last-blocks"))
    c.last_blocks = args.get_int32("last-blocks");
  if (args.has("augment"))
    c.augment = args.get("augment");
  if (args.has("max-train"))
    c.max_train = args.get_int("max-train");
  if (args.has("max-test"))
    c.max_test = args.get_int("max-test");
  if (args.has("seed"))
    c.seed = args.get_seed("seed");
  try {
    c.validate();
  } catch (const ConfigError& e) {
    // A bad value typed as a flag is named as the flag, not as the recipe's key.
    const std::string what = e.what();
    for (const auto& [flag, key] : kRecipeFlags) {
      const std::string prefix = std::string("config field '") + key + "': ";
      if (args.has(flag) && what.rfind(prefix, 0) == 0)
        throw UsageError("--" + std::string(flag) + " " + args.get(flag) + ": " +
                         what.substr(prefix.size()));
    }
    throw UsageError(std::string("fine-tuning recipe: ") + what);
  }
  return c;
}

// --resume PATH: the saved recipe, data and model; flags that would change
// them are refused rather than silently ignored.
FinetuneResume resume_from(const Args& args) {
  FinetuneResume r = finetune_resume_info(args.get("resume"));
  for (const char* flag :
       {"recipe", "epochs", "batch-size", "blr", "layer-decay", "drop-path", "label-smoothing",
        "last-blocks", "augment", "max-train", "max-test", "seed", "data", "path", "val-path"})
    if (args.has(flag))
      throw UsageError(std::string("--resume continues with the saved recipe and data: drop --") +
                       flag + ", or start a new fine-tune");
  if (args.has("out") && std::filesystem::path(args.get("out")).lexically_normal() !=
                             std::filesystem::path(r.out_dir).lexically_normal())
    throw UsageError("--resume continues in " + r.out_dir + ": drop --out");
  if (args.has("model")) { // the pre-trained model, moved since
    std::error_code ec;
    namespace fs = std::filesystem;
    if (fs::exists(r.model_path, ec) && !fs::equivalent(r.model_path, args.get("model"), ec))
      throw UsageError("--resume continues from the model it started from, " + r.model_path +
                       ", which is still there: drop --model (it is for a model moved since), "
                       "or start a new fine-tune");
    r.model_path = args.get("model");
  }
  return r;
}

// The options, the pre-trained model and how to load it: from the fine-tune
// being resumed, or from the command line.
struct FinetunePlan {
  FinetuneOptions options;
  std::string model;
  LoadOptions load;
};

FinetunePlan plan_finetune(const Args& args) {
  FinetunePlan p;
  p.load = load_options(args);
  p.options.device = args.get("device");
  p.options.tensorboard = on_off(args, "tensorboard");
  p.options.save_every_s = 60.0 * args.get_double("save-every");
  if (args.has("resume")) {
    if (args.flag_set("force"))
      throw UsageError("--resume continues a fine-tune and --force replaces one: give one");
    FinetuneResume r = resume_from(args);
    p.options.config = r.config;
    p.options.data = r.data;
    p.options.out_dir = r.out_dir;
    p.options.resume = true;
    p.model = r.model_path;
    if (!p.load.config && p.load.arch.empty() && !r.model_config_json.empty())
      p.load.config = parse_model_config(r.model_config_json, p.options.out_dir);
  } else {
    p.options.config = recipe(args);
    p.options.data = labelled_data(args);
    p.options.force = args.flag_set("force");
    p.model = args.get("model");
    p.options.out_dir = args.get_or(
        "out", default_run_dir("runs", "finetune-" + std::filesystem::path(p.model).stem().string(),
                               std::time(nullptr)));
  }
  return p;
}

void print_result(const FinetuneResult& r, const std::string& out_dir) {
  if (r.stopped_early)
    std::printf("stopped at step %lld of %lld; continue with: mae finetune --resume %s\n",
                static_cast<long long>(r.steps), static_cast<long long>(r.total_steps),
                out_dir.c_str());
  // Stopped, the accuracy is the unfinished run's: said in the line itself.
  std::printf("%s top-1: %.2f%% on %lld held-out images (%lld training images, %lld "
              "steps, %lld of %lld parameters trained, %.0f s, %.0f img/s)\n",
              r.stopped_early ? "so far (unfinished)," : "fine-tuned", 100.0 * r.test_top1,
              static_cast<long long>(r.test_count), static_cast<long long>(r.train_count),
              static_cast<long long>(r.steps), static_cast<long long>(r.trainable_params),
              static_cast<long long>(r.total_params), r.seconds, r.images_per_s);
  std::printf("output: %s\n", out_dir.c_str());
}

} // namespace

int run_finetune(int argc, const char* const* argv) {
  Args args(
      "finetune",
      "Fine-tune a pre-trained MAE encoder for classification, the paper's main protocol:\n"
      "mean-pooled patch tokens + a linear head, AdamW with layer-wise lr decay, warmup +\n"
      "cosine, label smoothing, drop path; every block or only the last k (--last-blocks).\n"
      "Prints top-1 on the held-out split; writes metrics.jsonl, classifier.safetensors and\n"
      "finetune.json to the output directory. Ctrl-C stops after the current step and saves;\n"
      "--resume DIR continues from there. --nproc N (or torchrun) splits every step over N\n"
      "processes: on a 2-core machine two processes of one thread each train faster than\n"
      "one of two threads.");
  args.option("model", "MODEL",
              "pre-trained model (model.safetensors, or any format mae info reads); with "
              "--resume, the one it started from (give it only if it has moved)");
  add_labelled_data_options(args);
  args.option("recipe", "FILE.json",
              "fine-tuning recipe (keys as below, e.g. configs/finetune/); an option given "
              "overrides its key")
      .option("epochs", "E", "epochs, in (0, 10000] (default: 10)")
      .option("batch-size", "B", "batch size of each process, in [1, 65536] (default: 128)")
      .option("blr", "BLR",
              "base lr, in (0, 10): lr = blr * global batch / 256, the global batch being B x "
              "processes (default: 2e-3)")
      .option("layer-decay", "D", "layer-wise lr decay, in (0, 1]; 1 = none (default: 0.75)")
      .option("drop-path", "P",
              "stochastic depth rate, in [0, 1): 0 at the first block, rising linearly to P at "
              "the last (default: 0.1)")
      .option("label-smoothing", "S", "label smoothing, in [0, 1) (default: 0.1)")
      .option("last-blocks", "K",
              "train only the last K blocks; -1: all, 0: only the head (default: -1)")
      .option("augment", "shift_flip|none", "training augmentation (default: shift_flip)")
      .option("max-train", "N", "use N training images (0: all) (default: 0)")
      .option("max-test", "N", "use N held-out images (0: all) (default: 0)")
      .option("seed", "N", "order, augmentation and head seed (default: 0)")
      .option("out", "DIR", "output directory (default: runs/finetune-<model>-<date>-<time>)")
      .option("tensorboard", "on|off",
              "also write TensorBoard event files beside metrics.jsonl (loss, lr, "
              "perf/test_acc1)",
              "on")
      .option("resume", "DIR",
              "continue a stopped or crashed fine-tune from its output directory (or its "
              "finetune_state.safetensors), with its recipe and data")
      .option("save-every", "MIN",
              "minutes between saves of the resume state within an epoch, in [0, 10000], at the "
              "next metrics line (0: at every one); also saved at each epoch's end and on "
              "Ctrl-C, so a crash loses about this much",
              "5")
      .range(0, 10000)
      .flag("force", "replace a fine-tune already in the output directory")
      .flag("quiet", "no progress display (messages and the summary only)");
  add_dist_options(args, "fine-tune");
  if (!parse_command(args, argc, argv, kModel | kThreads | kDevice))
    return 0;
  check_dist_options(args);

  FinetunePlan plan = plan_finetune(args);
  FinetuneOptions& o = plan.options;
  const std::string& model = plan.model;
  const LoadOptions& load = plan.load;
  refuse_overwriting_inputs("--out", o.out_dir, {model});
  refuse_replacing_finetune(o); // here, before any worker starts
  if (const std::optional<int> code =
          launch_if_asked(args, "finetune", argc, argv, {"--out"}, {"--out", o.out_dir})) {
    std::fprintf(stderr, "the ranks fine-tuned into %s\n", o.out_dir.c_str());
    return *code;
  }
  o.dist = join_dist_group(args, o.device);
  o.keep_going = [] { return !interrupted(); };
  if (o.dist && o.dist->rank() != 0) { // rank 0 speaks for all
    catch_interrupt();
    run_finetune(model, load, o);
    release_interrupt();
    return 0;
  }
  ProgressBar bar(stderr, ProgressBar::stderr_is_tty());
  const bool quiet = args.flag_set("quiet");
  o.log = [&](const std::string& line) { bar.message(line); };
  o.progress = [&](const TrainProgress& p) {
    if (!quiet)
      bar.update(p);
  };
  catch_interrupt();
  const FinetuneResult r = run_finetune(model, load, o);
  release_interrupt();
  bar.finish();
  print_result(r, o.out_dir);
  return r.stopped_early ? kStoppedExitCode : 0;
}

} // namespace mae::cli

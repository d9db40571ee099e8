// The run plan: the one set of rules `mae train` and the app's Training tab
// share for the config, the output folder and the checkpoint a run resumes.
#include "error_of.h"
#include "slurp.h"
#include "train_test_util.h"

#include "base/errors.h"
#include "formats/safetensors.h"
#include "train/run_plan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace fs = std::filesystem;

namespace mae {
namespace {

const std::string kConfig = std::string(MAE_SOURCE_DIR) + "/configs/train/fmnist_tiny.json";

using test::slurp;

TEST(RunPlan, NewRunsGoToATimestampedFolderNamedAfterTheConfig) {
  RunRequest r;
  r.config_path = kConfig;
  r.runs_root = "/tmp/runs";
  const RunPlan p = plan_run(r, 0);
  EXPECT_TRUE(
      std::regex_match(p.options.out_dir, std::regex(R"(/tmp/runs/fmnist_tiny-\d{8}-\d{6})")))
      << p.options.out_dir;
  EXPECT_EQ(p.options.out_dir, default_run_dir("/tmp/runs", "fmnist_tiny", 0));
  EXPECT_TRUE(p.options.resume.empty());
  EXPECT_EQ(p.config_label, kConfig);
  // A second run a second later never lands in the first one's folder.
  EXPECT_NE(plan_run(r, 1).options.out_dir, p.options.out_dir);
  r.out_dir = "/tmp/mine";
  EXPECT_EQ(plan_run(r, 0).options.out_dir, "/tmp/mine");
}

TEST(RunPlan, OverridesApplyBeforeValidation) {
  RunRequest r;
  r.config_path = kConfig;
  r.steps = 12;
  r.batch_size = 64; // --nproc 2 at 64: the config's 128 a step
  r.data_type = "folder";
  r.data_path = "/data/photos";
  r.device = "cpu";
  const RunPlan p = plan_run(r, 0);
  EXPECT_EQ(p.config.total_steps, 12);
  EXPECT_EQ(p.config.epochs, 0);
  EXPECT_EQ(p.config.batch_size, 64);
  EXPECT_EQ(p.config.data.type, "folder");
  EXPECT_EQ(p.config.data.path, "/data/photos");
  EXPECT_EQ(p.options.device, "cpu");
  r.data_path.clear();
  r.data_type = "shards"; // shards need a path: the error names the file and the field
  try {
    plan_run(r, 0);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("fmnist_tiny.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("data.path"), std::string::npos) << e.what();
  }
  r.data_type.clear();
  r.steps = -1;
  EXPECT_THROW(plan_run(r, 0), UsageError);
  r.steps = 12;
  r.batch_size = -64;
  EXPECT_THROW(plan_run(r, 0), UsageError);
  r.batch_size = int64_t{1} << 40; // not wrapped into a small int: refused, naming the field
  try {
    plan_run(r, 0);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("batch_size"), std::string::npos) << e.what();
  }
  EXPECT_THROW(plan_run(RunRequest{}, 0), UsageError);
}

TEST(RunPlan, ResumingUsesTheConfigTheCheckpointRecordsAndItsFolder) {
  const std::string run = test::train_tmp("plan_resume");
  std::string text = slurp(kConfig);
  text.replace(text.find("fmnist_tiny"), 11, "earlier");
  write_safetensors(run + "/checkpoint.safetensors", {}, {{"train_config", text}});
  for (const std::string& resume : {run, run + "/checkpoint.safetensors"}) {
    RunRequest r;
    r.resume = resume;
    r.steps = 20;
    const RunPlan p = plan_run(r, 0);
    EXPECT_EQ(p.config.name, "earlier");
    EXPECT_EQ(p.config.total_steps, 20);
    EXPECT_EQ(p.options.out_dir, run);
    EXPECT_EQ(p.options.resume, run + "/checkpoint.safetensors");
    EXPECT_EQ(p.config_label, run + "/checkpoint.safetensors");
  }
  // A config file given with the resume wins (the trainer checks it matches).
  RunRequest r;
  r.resume = run;
  r.config_path = kConfig;
  EXPECT_EQ(plan_run(r, 0).config.name, "fmnist_tiny");
  // Into another folder when asked, unless that one holds a run of its own.
  r.out_dir = test::train_tmp("plan_resume_continued"); // empty
  EXPECT_EQ(plan_run(r, 0).options.out_dir, r.out_dir);
  write_safetensors(r.out_dir + "/checkpoint.safetensors", {}, {{"step", "7"}});
  try {
    plan_run(r, 0);
    FAIL() << "no error";
  } catch (const RunFolderInUse& e) {
    EXPECT_NE(std::string(e.what()).find("at step 7"), std::string::npos) << e.what();
    EXPECT_EQ(e.dir(), r.out_dir);
  }
  r.force = true;
  EXPECT_EQ(plan_run(r, 0).options.out_dir, r.out_dir);
}

// A model folder given as --out (a HuggingFace model, say) is no run, but a
// run would replace its config.json and model.safetensors: refused, unless
// --force. A killed run's own files (no checkpoint yet) are not in the way.
TEST(RunPlan, ANewRunDoesNotReplaceFilesNoRunWrote) {
  RunRequest r;
  r.config_path = kConfig;
  r.out_dir = test::train_tmp("plan_hf_folder");
  const std::string hf_config = R"({"model_type": "vit_mae", "hidden_size": 768})";
  std::ofstream(r.out_dir + "/config.json") << hf_config;
  write_safetensors(r.out_dir + "/model.safetensors", {}, {});
  try {
    plan_run(r, 0);
    FAIL() << "no error";
  } catch (const RunFolderInUse& e) {
    EXPECT_NE(std::string(e.what()).find("(config.json, model.safetensors)"), std::string::npos)
        << e.what();
    EXPECT_FALSE(e.holds_run()); // nothing to resume there
  }
  EXPECT_EQ(slurp(r.out_dir + "/config.json"), hf_config);
  r.force = true;
  EXPECT_EQ(plan_run(r, 0).options.out_dir, r.out_dir);

  r.force = false;
  r.out_dir = test::train_tmp("plan_killed_run");
  std::ofstream(r.out_dir + "/config.json") << slurp(kConfig);
  std::ofstream(r.out_dir + "/metrics.jsonl") << R"({"step": 10, "epoch": 0, "loss": 0.9})"
                                              << "\n";
  write_safetensors(r.out_dir + "/model.safetensors", {}, {{"format", "mae-studio"}});
  for (const char* left :
       {"events.out.tfevents.1.host", "curves.png", ".mae-lock", "model.safetensors.tmp-99999"})
    std::ofstream(r.out_dir + "/" + left) << "x";
  EXPECT_EQ(plan_run(r, 0).options.out_dir, r.out_dir);
  std::ofstream(r.out_dir + "/metrics.jsonl") << "my lab notes\n";
  EXPECT_THROW(plan_run(r, 0), RunFolderInUse);
}

// A folder of the user's (a home folder, a project, /) is not a run's: the
// run's six files would be mixed with what is there. Refused, naming what is
// there, unless --force.
TEST(RunPlan, ANewRunDoesNotWriteIntoAFolderOfOtherFiles) {
  RunRequest r;
  r.config_path = kConfig;
  r.out_dir = test::train_tmp("plan_others_folder");
  for (const char* name : {"thesis.tex", "a.png", "b.png", "notes.txt", "data"})
    std::ofstream(r.out_dir + "/" + name) << "mine";
  try {
    plan_run(r, 0);
    FAIL() << "no error";
  } catch (const RunFolderInUse& e) {
    EXPECT_EQ(e.holds(), RunFolderInUse::Holds::OtherFiles);
    EXPECT_NE(std::string(e.what()).find("holds no run (a.png, b.png, data and 2 more)"),
              std::string::npos)
        << e.what();
  }
  r.force = true;
  EXPECT_EQ(plan_run(r, 0).options.out_dir, r.out_dir);
  EXPECT_EQ(slurp(r.out_dir + "/notes.txt"), "mine");
  // A file as the folder (or inside one) is refused here, before the data
  // loads, not as "Not a directory" when the first file is written.
  for (const std::string& out : {r.out_dir + "/notes.txt", r.out_dir + "/notes.txt/run"}) {
    r.out_dir = out;
    const std::string why = test::error_of([&] { plan_run(r, 0); });
    EXPECT_NE(why.find("notes.txt"), std::string::npos) << why;
    EXPECT_NE(why.find("is a file: the output is a folder of files"), std::string::npos) << why;
  }
}

TEST(RunPlan, ResumingSomethingThatIsNotARunSaysSo) {
  RunRequest r;
  r.resume = test::train_tmp("plan_not_a_run");
  try {
    plan_run(r, 0);
    FAIL() << "no error";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("not a run folder"), std::string::npos) << e.what();
  }
  // A checkpoint without a recorded config needs one given.
  write_safetensors(r.resume + "/checkpoint.safetensors", {}, {});
  EXPECT_THROW(plan_run(r, 0), UsageError);
}

} // namespace
} // namespace mae

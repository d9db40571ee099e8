// mae-studio's GL-free parts: the inference worker's queue, file routing,
// the start-up model choice, the recent-files list and the command line.
#include "cli_options.h"
#include "failure_text.h"
#include "lesson.h"
#include "mask_controls.h"
#include "open_target.h"
#include "recent_files.h"
#include "save_target.h"
#include "settings.h"
#include "slurp.h"
#include "text_wrap.h"
#include "view_state.h"
#include "workers/inference_worker.h"

#include "base/errors.h"
#include "cli_runner.h"
#include "data/image_io.h"
#include "error_of.h"
#include "runtime/assets.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sys/stat.h>
#include <thread>

namespace mae::studio {
namespace {
namespace fs = std::filesystem;

const std::string kFixture = std::string(MAE_TEST_DATA) + "/vitmae/rgb32_p4/";

std::string temp_dir(const std::string& name) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// A worker and the events it posted, waited for with a timeout.
struct WorkerHarness {
  InferenceWorker worker{"cpu", 1, nullptr};
  std::vector<WorkerEvent> events;

  // Collects events until the worker has nothing left to do.
  void drain() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!worker.idle() && std::chrono::steady_clock::now() < give_up) {
      for (auto& e : worker.take_events())
        events.push_back(std::move(e));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    for (auto& e : worker.take_events())
      events.push_back(std::move(e));
    ASSERT_TRUE(worker.idle());
  }
  std::vector<WorkerEvent> of(WorkerEvent::Kind kind) const {
    std::vector<WorkerEvent> out;
    for (const auto& e : events)
      if (e.kind == kind)
        out.push_back(e);
    return out;
  }
};

std::shared_ptr<const Image> test_picture(int w = 48, int h = 40) {
  Image img(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        img.row(y)[x * 3 + c] = static_cast<uint8_t>(x * 5 + y * 3 + c * 40);
  return std::make_shared<const Image>(img);
}

// An error popup names its file once: a reason that starts with the path
// (as every core error does) loses it; one about another file keeps it.
TEST(FailureText, NamesTheFileOnce) {
  EXPECT_EQ(failure_text("/d/l.json", "/d/l.json: slide 2: field 'ratio': must be a number"),
            "File: /d/l.json\n\nslide 2: field 'ratio': must be a number");
  EXPECT_EQ(failure_text("/d/l.json", "/d/l.jsonx: no such file"),
            "File: /d/l.json\n\n/d/l.jsonx: no such file");
  EXPECT_EQ(failure_text("/m/new.safetensors", "/m/new.safetensors: truncated", "model",
                         "/m/old.safetensors"),
            "File: /m/new.safetensors\n\ntruncated\n\nKeeping the current model, old.safetensors.");
}

TEST(StudioWorker, LoadsAModelAndReconstructsWithBaselines) {
  WorkerHarness h;
  h.worker.load_model({kFixture + "hf", {}});
  h.drain();
  const auto loaded = h.of(WorkerEvent::Kind::ModelLoaded);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].model->config.img_size, 32);

  ReconstructRequest req;
  req.id = 7;
  req.tag = 1;
  req.image = test_picture();
  req.settings = {{MaskStrategy::Random, 0.5, 3}, {MaskStrategy::Grid, 0.75, 3}};
  h.worker.reconstruct(req);
  h.drain();
  // First the model's pictures, then the same request with the baselines.
  const auto done = h.of(WorkerEvent::Kind::Reconstructed);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].request_id, 7u);
  EXPECT_FALSE(done[0].result->items.front().baselines_ready);
  EXPECT_GT(done[0].result->items.front().mae_mse, 0.0);
  const ReconstructionSet& set = *done[1].result;
  EXPECT_EQ(set.request_id, 7u);
  EXPECT_EQ(set.tag, 1);
  EXPECT_EQ(set.model_label, "hf");
  ASSERT_EQ(set.items.size(), 2u);
  for (const Reconstruction& r : set.items) {
    EXPECT_TRUE(r.baselines_ready);
    EXPECT_EQ(r.result.masked.width, 32);
    EXPECT_EQ(r.telea.width, 32);
    EXPECT_EQ(r.mean_fill.width, 32);
    EXPECT_GT(r.mae_mse, 0.0);
    EXPECT_GT(r.telea_mse, 0.0);
    EXPECT_GT(r.mean_fill_mse, 0.0);
  }
  int removed = 0;
  for (uint8_t m : set.items[0].result.mask)
    removed += m;
  EXPECT_EQ(removed, 32); // 64 patches at ratio 0.5
}

TEST(StudioWorker, TheLatestRequestWinsAndStaleOnesAreDropped) {
  WorkerHarness h;
  h.worker.load_model({kFixture + "hf", {}});
  h.drain();
  const auto image = test_picture();
  // Far more requests than the worker can serve while they arrive.
  constexpr int kRequests = 200;
  for (int i = 1; i <= kRequests; ++i) {
    ReconstructRequest req;
    req.id = static_cast<uint64_t>(i);
    req.image = image;
    req.settings = {{MaskStrategy::Random, 0.05 + 0.9 * i / kRequests, 0}};
    h.worker.reconstruct(req);
  }
  h.drain();
  const auto done = h.of(WorkerEvent::Kind::Reconstructed);
  ASSERT_FALSE(done.empty());
  EXPECT_LT(done.size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(done.back().result->request_id, static_cast<uint64_t>(kRequests));
  // The last request gets its baselines; superseded ones skip them.
  EXPECT_TRUE(done.back().result->items.front().baselines_ready);
  size_t with_baselines = 0;
  for (size_t i = 0; i < done.size(); ++i) {
    if (i > 0)
      EXPECT_GE(done[i].request_id, done[i - 1].request_id);
    with_baselines += done[i].result->items.front().baselines_ready;
  }
  EXPECT_LE(with_baselines, done.size() / 2 + 1);
}

TEST(StudioWorker, FailedLoadsKeepThePreviousModel) {
  const std::string dir = temp_dir("studio_worker_bad");
  const std::string truncated = dir + "/truncated.safetensors";
  {
    std::ifstream in(kFixture + "hf/model.safetensors", std::ios::binary);
    std::string bytes(4000, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::ofstream(truncated, std::ios::binary) << bytes;
  }
  WorkerHarness h;
  h.worker.load_model({kFixture + "hf", {}});
  h.drain();
  h.worker.load_model({truncated, {}});
  h.drain();
  const auto failed = h.of(WorkerEvent::Kind::ModelFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].path, truncated);
  EXPECT_FALSE(failed[0].message.empty());

  // An official .pth whose heads cannot be inferred asks for the architecture.
  h.worker.load_model({kFixture + "official.pth", {}});
  h.drain();
  const auto pth = h.of(WorkerEvent::Kind::ModelFailed);
  ASSERT_EQ(pth.size(), 2u);
  EXPECT_TRUE(needs_architecture(pth[1].message)) << pth[1].message;
  EXPECT_FALSE(needs_architecture(failed[0].message)) << failed[0].message;

  // ... and the wrong architecture is an ordinary error.
  LoadOptions base;
  base.arch = "mae_vit_base_patch16";
  h.worker.load_model({kFixture + "official.pth", base});
  h.drain();
  const auto wrong = h.of(WorkerEvent::Kind::ModelFailed);
  ASSERT_EQ(wrong.size(), 3u);
  EXPECT_FALSE(needs_architecture(wrong[2].message)) << wrong[2].message;

  ReconstructRequest req;
  req.id = 1;
  req.image = test_picture();
  req.settings = {{}};
  h.worker.reconstruct(req);
  h.drain();
  ASSERT_EQ(h.of(WorkerEvent::Kind::Reconstructed).size(), 2u); // still the fixture model
}

TEST(StudioWorker, ImagesLoadWithAPreviewAndBadOnesFail) {
  const std::string dir = temp_dir("studio_worker_images");
  write_png(dir + "/big.png", Image(3000, 1000, 1, 90));
  test::write_file(dir + "/text.png", "not a picture\n");
  WorkerHarness h;
  h.worker.load_image(dir + "/big.png");
  h.drain();
  h.worker.load_image(dir + "/text.png");
  h.drain();
  const auto ok = h.of(WorkerEvent::Kind::ImageLoaded);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].image->width, 3000);
  EXPECT_EQ(ok[0].preview->width, InferenceWorker::kPreviewSide);
  EXPECT_EQ(ok[0].preview->height, 682);
  const auto bad = h.of(WorkerEvent::Kind::ImageFailed);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].message.find("text.png"), std::string::npos);

  // Reconstructing without a model is an error event, not a crash.
  ReconstructRequest req;
  req.id = 1;
  req.image = ok[0].image;
  req.settings = {{}};
  h.worker.reconstruct(req);
  h.drain();
  ASSERT_EQ(h.of(WorkerEvent::Kind::ReconstructFailed).size(), 1u);
}

TEST(StudioFiles, ClassifiesImagesModelsAndFolders) {
  const std::string dir = temp_dir("studio_classify");
  fs::create_directories(dir + "/plain");
  EXPECT_EQ(classify_path("a/b/cat.PNG"), TargetKind::Image);
  EXPECT_EQ(classify_path("x.tiff"), TargetKind::Image);
  EXPECT_EQ(classify_path("x.webp"), TargetKind::Image);
  EXPECT_EQ(classify_path("m.safetensors"), TargetKind::Model);
  EXPECT_EQ(classify_path("mae_visualize_vit_large.pth"), TargetKind::Model);
  EXPECT_EQ(classify_path(kFixture + "hf"), TargetKind::Model);
  EXPECT_EQ(classify_path(dir + "/plain"), TargetKind::Unsupported);
  EXPECT_EQ(classify_path("notes.txt"), TargetKind::Unsupported);
}

// File > Export and Save view: the extension of what is written is added to a
// name without it; a name that is taken is reported, a folder is never a file.
TEST(StudioFiles, SaveTargetsAddTheExtensionAndSeeWhatIsThere) {
  const std::string dir = temp_dir("studio_save_target");
  fs::create_directories(dir + "/fig.png");
  { std::ofstream(dir + "/notes.png") << "mine"; }
  fs::create_symlink(dir + "/notes.png", dir + "/link.png");
  using S = SaveTarget::Status;
  const auto t = [&](const std::string& name, const std::vector<std::string>& ext) {
    return save_target(dir, name, ext);
  };
  EXPECT_EQ(t("figure", {".png"}).path, dir + "/figure.png");
  EXPECT_EQ(t("figure", {".png"}).status, S::New);
  EXPECT_EQ(t("figure.PNG", {".png"}).path, dir + "/figure.PNG");
  EXPECT_EQ(t("notes.txt", {".png"}).path, dir + "/notes.txt.png");
  EXPECT_EQ(t("sweep.avi", {".mp4", ".avi"}).path, dir + "/sweep.avi");
  EXPECT_EQ(t("sweep", {".mp4", ".avi"}).path, dir + "/sweep.mp4");
  EXPECT_EQ(t("notes", {".png"}).status, S::Exists);
  EXPECT_EQ(t("link.png", {".png"}).status, S::Exists);
  EXPECT_EQ(t("fig", {".png"}).status, S::NotAFile);
  EXPECT_EQ(save_target("/dev", "null", {""}).status, S::NotAFile);
}

TEST(StudioFiles, StartupModelFallsBackAndSaysSo) {
  const std::string dir = temp_dir("studio_startup");
  const std::string models = dir + "/models";
  fs::create_directories(models);
  test::write_file(dir + "/x.pth", "1");
  EXPECT_EQ(choose_startup_model(dir + "/x.pth", models + "/default.safetensors", models).path,
            dir + "/x.pth");
  const StartupModel none = choose_startup_model("", models + "/default.safetensors", models);
  EXPECT_TRUE(none.path.empty());
  EXPECT_NE(none.note.find("no model loaded"), std::string::npos) << none.note;
  test::write_file(models + "/small.safetensors", "1");
  test::write_file(models + "/large.safetensors", "123456");
  const StartupModel fallback = choose_startup_model("", models + "/default.safetensors", models);
  EXPECT_EQ(fs::path(fallback.path).filename(), "large.safetensors");
  EXPECT_NE(fallback.note.find("default.safetensors not found"), std::string::npos)
      << fallback.note;
  test::write_file(models + "/default.safetensors", "1");
  const StartupModel def = choose_startup_model("", models + "/default.safetensors", models);
  EXPECT_EQ(fs::path(def.path).filename(), "default.safetensors");
  EXPECT_TRUE(def.note.empty());
  // A --model that does not exist: the default, and the note says why.
  const StartupModel missing =
      choose_startup_model(dir + "/gone.pth", models + "/default.safetensors", models);
  EXPECT_EQ(fs::path(missing.path).filename(), "default.safetensors");
  EXPECT_NE(missing.note.find("gone.pth not found"), std::string::npos) << missing.note;
}

TEST(StudioFiles, RecentFilesPersistDeduplicateAndCap) {
  const std::string dir = temp_dir("studio_recent");
  const std::string file = dir + "/cfg/mae-studio/recent.json";
  {
    RecentFiles r(file);
    EXPECT_TRUE(r.entries().empty());
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(r.add(dir + "/img" + std::to_string(i) + ".png", "image"));
    ASSERT_TRUE(r.add(dir + "/img5.png", "image"));
    ASSERT_TRUE(r.add(dir + "/model.safetensors", "model"));
  }
  RecentFiles again(file);
  ASSERT_EQ(again.entries().size(), RecentFiles::kMaxEntries);
  EXPECT_EQ(fs::path(again.entries()[0].path).filename(), "model.safetensors");
  EXPECT_EQ(again.entries()[0].kind, "model");
  EXPECT_EQ(fs::path(again.entries()[1].path).filename(), "img5.png");
  EXPECT_EQ(fs::path(again.entries()[2].path).filename(), "img19.png");

  test::write_file(file, "{ not json");
  RecentFiles corrupt(file);
  EXPECT_TRUE(corrupt.entries().empty());
  EXPECT_FALSE(corrupt.last_error().empty());

  const char* old = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CONFIG_HOME", dir.c_str(), 1);
  EXPECT_EQ(RecentFiles::default_location(), dir + "/mae-studio/recent.json");
  if (old)
    setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CONFIG_HOME");
}

TEST(StudioSettings, RoundTripAndDefaults) {
  const std::string dir = temp_dir("studio_settings");
  const std::string file = dir + "/cfg/mae-studio/settings.json";
  const LoadedSettings none = load_settings(file);
  EXPECT_TRUE(none.message.empty());
  EXPECT_EQ(none.settings.tab, Tab::Explorer);
  EXPECT_EQ(none.settings.ui_scale, 0.0f);
  EXPECT_EQ(none.settings.window_x, Settings::kUnset);

  Settings s;
  s.tab = Tab::Training;
  s.compare_mode = CompareMode::Models;
  s.ui_scale = 1.75f;
  s.display.grid = true;
  s.display.compare_inpainting = false;
  s.window_x = -1200, s.window_y = 40; // a monitor left of the primary one
  s.window_width = 1440, s.window_height = 900;
  ASSERT_EQ(save_settings(file, s), "");
  const LoadedSettings back = load_settings(file);
  EXPECT_TRUE(back.message.empty()) << back.message;
  EXPECT_EQ(back.settings.tab, Tab::Training);
  EXPECT_EQ(back.settings.compare_mode, CompareMode::Models);
  EXPECT_EQ(back.settings.ui_scale, 1.75f);
  EXPECT_TRUE(back.settings.display.grid);
  EXPECT_FALSE(back.settings.display.tint);
  EXPECT_FALSE(back.settings.display.compare_inpainting);
  EXPECT_EQ(back.settings.window_x, -1200);
  EXPECT_EQ(back.settings.window_y, 40);
  EXPECT_EQ(back.settings.window_width, 1440);
  EXPECT_EQ(back.settings.window_height, 900);
}

// A file that is not our settings never stops the app: it is moved aside, the
// message names the file and the reason, and the defaults are used.
TEST(StudioSettings, ACorruptFileIsSetAsideWithAMessage) {
  const std::string dir = temp_dir("studio_settings_bad");
  const std::string file = dir + "/settings.json";
  const std::pair<std::string, std::string> cases[] = {
      {"{ not json", "settings: not valid JSON: line 1, column 4"},
      {R"({"ui_scale": 9})", "ui_scale"},
      {R"({"tab": "kitchen"})", "tab"},
      {R"({"window": {"width": 100, "height": 800}})", "window.width"},
      {R"({"window": {"width": 800, "height": 600, "x": 5}})", "window"},
      {R"({"patch_grid": "yes"})", "patch_grid"},
      {R"({"colour": 1})", "colour"},
      {R"([1, 2])", "settings"},
  };
  int i = 0;
  for (const auto& [text, field] : cases) {
    test::write_file(file, text);
    const LoadedSettings loaded = load_settings(file);
    EXPECT_NE(loaded.message.find(file), std::string::npos) << loaded.message;
    EXPECT_NE(loaded.message.find(field), std::string::npos) << text << ": " << loaded.message;
    EXPECT_EQ(loaded.settings.tab, Tab::Explorer);
    EXPECT_FALSE(fs::exists(file)) << text;
    // Each beside the ones set aside before, none over another.
    const std::string aside = file + ".bad" + (i ? "." + std::to_string(i) : "");
    EXPECT_EQ(test::slurp(aside), text);
    EXPECT_NE(loaded.message.find("moved to " + aside + "."), std::string::npos) << loaded.message;
    ++i;
  }
  // A FIFO (it hung the start) and a folder are named and left where they are.
  ASSERT_EQ(::mkfifo(file.c_str(), 0600), 0);
  EXPECT_NE(load_settings(file).message.find("it is a FIFO"), std::string::npos);
  EXPECT_EQ(fs::status(file).type(), fs::file_type::fifo);
  fs::remove(file);
  fs::create_directories(file + "/inside");
  EXPECT_NE(load_settings(file).message.find("it is a directory"), std::string::npos);
  EXPECT_TRUE(fs::exists(file + "/inside"));
  // Nowhere to write: an error to say, not an exception.
  test::write_file(dir + "/blocker", "a file where a folder should be");
  EXPECT_NE(save_settings(dir + "/blocker/settings.json", Settings{}), "");
}

CliOptions parse(std::vector<const char*> args) {
  return parse_cli_options(static_cast<int>(args.size()), args.data());
}

TEST(StudioCli, ParsesTheTestModeOptions) {
  const CliOptions o =
      parse({"--model",    "m.pth",    "--image", "i.png",  "--ratio", "0.9",
             "--strategy", "grid",     "--seed",  "12",     "--view",  "strategies",
             "--drop",     "a.png",    "b.pth",   "--drop", "c",       "--screenshot",
             "s.png",      "--layout", "l.json",  "--size", "800x600"});
  EXPECT_EQ(*o.model, "m.pth");
  EXPECT_EQ(*o.image, "i.png");
  EXPECT_DOUBLE_EQ(o.ratio, 0.9);
  EXPECT_EQ(o.strategy, MaskStrategy::Grid);
  EXPECT_EQ(o.seed, 12u);
  EXPECT_EQ(o.view, StartView::Strategies);
  EXPECT_FALSE(parse({}).view.has_value());
  EXPECT_EQ(o.drops, (std::vector<std::string>{"a.png", "b.pth", "c"}));
  EXPECT_EQ(o.width, 800);
  EXPECT_EQ(o.height, 600);
  EXPECT_TRUE(o.headless());
  EXPECT_EQ(o.frames, 3); // the default once headless
  EXPECT_FALSE(parse({}).headless());
  EXPECT_TRUE(parse({"--help"}).help);
  // Every option of the headless group starts it (alone, they ran for ever
  // and wrote nothing); --force only qualifies the others.
  for (const std::vector<const char*>& alone :
       std::vector<std::vector<const char*>>{{"--save-view", "v.json"},
                                             {"--export-sweep", "s.mp4"},
                                             {"--drop", "a.png"},
                                             {"--paint", "1,2"},
                                             {"--keys", "Right"},
                                             {"--sweep-run"},
                                             {"--dialog", "help"}}) {
    const CliOptions h = parse(alone);
    EXPECT_TRUE(h.headless()) << alone[0];
    EXPECT_EQ(h.frames, 3) << alone[0];
  }
  EXPECT_FALSE(parse({"--force"}).headless());
}

TEST(StudioCli, FilesNamedWithoutAFlagOpenAtStart) {
  // As the .desktop file passes them: `mae-studio %F`.
  const CliOptions o = parse({"photo.png", "--ratio", "0.5", "model.pth"});
  EXPECT_EQ(o.files, (std::vector<std::string>{"photo.png", "model.pth"}));
  EXPECT_DOUBLE_EQ(o.ratio, 0.5);
  EXPECT_FALSE(o.headless());
  EXPECT_THROW(parse({"photo.png", "-x"}), UsageError);
}

// As `mae attention` takes them: an index from 0, or the word; the app starts
// at the last layer, where `mae attention` does.
TEST(StudioCli, AttentionLayerAndHeadAreIndicesOrAWord) {
  EXPECT_EQ(parse({}).attention.layer, AttentionQuery::kLastLayer);
  EXPECT_EQ(parse({"--attention-layer", "last"}).attention.layer, AttentionQuery::kLastLayer);
  EXPECT_EQ(parse({"--attention-layer", "3"}).attention.layer, 3);
  EXPECT_EQ(parse({"--attention-head", "mean"}).attention.head, AttentionQuery::kMeanOfHeads);
  EXPECT_EQ(parse({"--attention-head", "0"}).attention.head, 0);
  EXPECT_EQ(test::error_of([] {
              parse({"--attention-layer", "-1"});
            }),
            "--attention-layer must be a layer from 0 or last, not '-1'");
  EXPECT_EQ(test::error_of([] {
              parse({"--attention-head", "2x"});
            }),
            "--attention-head must be a head from 0 or mean, not '2x'");
  EXPECT_THROW(parse({"--attention-layer", "4096"}), UsageError);
}

TEST(StudioCli, RejectsBadValues) {
  EXPECT_THROW(parse({"--ratio", "0.99"}), UsageError);
  EXPECT_THROW(parse({"--ratio", "abc"}), UsageError);
  EXPECT_THROW(parse({"--strategy", "spiral"}), UsageError);
  EXPECT_THROW(parse({"--view", "grid"}), UsageError);
  EXPECT_THROW(parse({"--frames", "0"}), UsageError);
  EXPECT_THROW(parse({"--size", "big"}), UsageError);
  // 2^32 + 320 wrapped to 320 in sscanf's int.
  EXPECT_EQ(test::error_of([] {
              parse({"--size", "4294967616x4294967536"});
            }),
            "--size must be within 320x240 and 16384x16384, not '4294967616x4294967536'");
  EXPECT_EQ(parse({"--size", "1024x768"}).width, 1024);
  EXPECT_THROW(parse({"--model"}), UsageError);
  EXPECT_THROW(parse({"--frobnicate"}), UsageError);
  // A misspelt option says which one was meant, before "--image is required"
  // or any other complaint.
  try {
    parse({"--modle", "m.pth", "--ratio", "5"});
    ADD_FAILURE() << "--modle accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown option --modle (did you mean --model?)"),
              std::string::npos)
        << e.what();
  }
}

// The headless outputs replace what the app wrote before (a screenshot, a
// view, the layout, the curves) but not the user's photo or film of the same
// name, unless --force.
TEST(StudioCli, OutputsReplaceOnlyWhatMaeWroteUnlessForced) {
  const std::string dir = temp_dir("studio_outputs");
  const std::string photo = dir + "/holiday.png", film = dir + "/film.avi";
  fs::copy_file(std::string(MAE_SOURCE_DIR) + "/assets/images/chelsea.png", photo);
  test::write_file(film, "not really a film");
  const std::pair<const char*, std::string> refused[] = {
      {"--screenshot", photo}, {"--export", photo}, {"--export-sweep", film}};
  for (const auto& [option, path] : refused) {
    try {
      parse({option, path.c_str()});
      ADD_FAILURE() << option << " replaced " << path;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(option) + " " + path + " already exists"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse({"--screenshot", photo.c_str(), "--force"}).screenshot, photo);

  write_png(dir + "/shot.png", load_image(photo)); // what the app writes: marked
  test::write_file(dir + "/view.json", R"({"format": "mae-studio view", "version": 1})");
  test::write_file(dir + "/notes.json", R"({"format": "my notes"})");
  test::write_file(dir + "/curves.csv",
                   "step,loss,lr,img_per_s,knn_accuracy,heldout_mse\n1,0.5,,,,\n");
  EXPECT_NO_THROW(parse({"--screenshot", (dir + "/shot.png").c_str(), "--save-view",
                         (dir + "/view.json").c_str(), "--layout", (dir + "/new.json").c_str()}));
  EXPECT_THROW(parse({"--layout", (dir + "/notes.json").c_str()}), UsageError);
  EXPECT_NO_THROW(
      parse({"--watch-run", dir.c_str(), "--train-csv", (dir + "/curves.csv").c_str()}));
}

TEST(StudioCli, ParsesTheTrainingOptions) {
  const CliOptions o = parse({"--train", "c.json", "--train-steps", "12", "--train-out", "runs/x",
                              "--train-csv", "c.csv", "--train-explore"});
  EXPECT_EQ(o.train_config, "c.json");
  EXPECT_EQ(o.train_steps, 12);
  EXPECT_EQ(o.train_out, "runs/x");
  EXPECT_EQ(o.train_csv, "c.csv");
  EXPECT_TRUE(o.train_explore);
  EXPECT_TRUE(o.training());
  EXPECT_TRUE(o.headless());
  // --train alone starts the run in the interactive app.
  EXPECT_FALSE(parse({"--train", "c.json"}).headless());
  EXPECT_TRUE(parse({"--train-resume", "runs/x"}).training());
  EXPECT_EQ(parse({"--train", "c.json", "--train-until", "5"}).train_until, 5);
  EXPECT_THROW(parse({"--train-steps", "0"}), UsageError);
  EXPECT_THROW(parse({"--train-csv", "c.csv"}), UsageError);
  EXPECT_THROW(parse({"--train-explore"}), UsageError);
}

// CLI11's ranges alone would let NaN through (every comparison is false).
TEST(StudioCli, NotANumberIsRefused) {
  for (const char* option : {"--ratio", "--ui-scale"})
    for (const char* text : {"nan", "inf", "-nan"})
      EXPECT_THROW(parse({option, text}), UsageError) << option << " " << text;
  EXPECT_DOUBLE_EQ(parse({"--ratio", "0.5"}).ratio, 0.5);
}

} // namespace
} // namespace mae::studio

namespace mae::studio {
namespace {

// Every control of the panels says what it does: each ImGui control call is
// followed by a tooltip (tooltip(...) or wrapped_tooltip) before the next control.
TEST(StudioSources, EveryControlHasATooltip) {
  const std::regex control(
      R"(ImGui::(Button|SmallButton|ImageButton|InvisibleButton|Checkbox|SliderFloat|SliderInt|SliderScalar|)"
      R"(RadioButton|InputScalar|InputText|InputTextWithHint|InputInt|InputFloat|InputDouble|)"
      R"(BeginCombo|ArrowButton|DragFloat|DragInt|DragScalar|Combo|ListBox|MenuItem|Selectable|)"
      R"(CollapsingHeader|BeginTabItem)\()");
  // Items that would take the tooltip meant for the control before them.
  const std::regex item(
      R"(ImGui::(Text|TextUnformatted|TextDisabled|TextColored|TextWrapped|BulletText|Image|)"
      R"(Dummy|LabelText)\()");
  const std::regex tip(R"((\btooltip\(|wrapped_tooltip\(|BeginTooltip\())");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(MAE_SOURCE_DIR) / "app/studio"))
    if (e.path().extension() == ".cpp")
      files.push_back(e.path());
  ASSERT_GE(files.size(), 30u);
  int controls = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::string line, open; // `open`: a control still waiting for its tooltip
    bool waived = false;
    for (int n = 1; std::getline(in, line); ++n) {
      // A control that explains itself otherwise (a plot's hover readout) says
      // so in a comment on the line above it.
      const bool exempt = waived;
      waived = line.find("// no tooltip:") != std::string::npos;
      line = line.substr(0, line.find("//")); // a tooltip( in a comment is none
      const bool is_tip = std::regex_search(line, tip);
      const std::string here = file.filename().string() + ":" + std::to_string(n);
      if (std::regex_search(line, control)) {
        EXPECT_TRUE(open.empty()) << open << " has no tooltip before the next control";
        open = exempt ? std::string() : here;
        ++controls;
      } else if (!open.empty() && !is_tip && std::regex_search(line, item)) {
        ADD_FAILURE() << here << ": an item between " << open << " and its tooltip takes it";
        open.clear();
      }
      if (is_tip)
        open.clear();
    }
    EXPECT_TRUE(open.empty()) << open << " has no tooltip";
  }
  EXPECT_GT(controls, 60);
}

} // namespace
} // namespace mae::studio

namespace mae::studio {
namespace {

// A view file survives a round trip, and a wrong field is named.
TEST(StudioViewState, RoundTripsAndNamesBadFields) {
  ViewState v;
  v.model = "/models/m.safetensors";
  v.image = "/pictures/cat.png";
  v.model_sha256 = std::string(64, 'a');
  v.mask.strategy = MaskStrategy::Custom;
  v.mask.custom = {1, 0, 1, 1};
  v.mask.seed = 9;
  v.tab = Tab::Attention;
  v.explorer_view = {2.0f, 0.25f, 0.75f};
  v.patch = 3;
  v.attention.stack = AttentionStack::Decoder;
  v.attention.head = 2;
  v.display.compare_inpainting = false;
  const nlohmann::json j = v;
  ViewState back = j.get<ViewState>();
  back.validate();
  EXPECT_EQ(back.model, v.model);
  EXPECT_EQ(back.mask.custom, v.mask.custom);
  EXPECT_EQ(back.mask.strategy, MaskStrategy::Custom);
  EXPECT_EQ(back.tab, Tab::Attention);
  EXPECT_FLOAT_EQ(back.explorer_view.zoom, 2.0f);
  EXPECT_EQ(back.attention.stack, AttentionStack::Decoder);
  EXPECT_EQ(back.attention.head, 2);
  EXPECT_FALSE(back.display.compare_inpainting);

  const auto error_with = [&](const char* pointer, const nlohmann::json& value) {
    nlohmann::json bad = j;
    bad[nlohmann::json::json_pointer(pointer)] = value;
    try {
      ViewState w = bad.get<ViewState>();
      w.validate();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(error_with("/mask/custom", "10x1").find("'mask.custom'"), std::string::npos);
  // A custom mask's ratio is checked too (random masking falls back to it), and
  // one that removes every patch is no mask.
  EXPECT_NE(error_with("/mask/ratio", -1e300).find("'mask.ratio'"), std::string::npos);
  EXPECT_NE(error_with("/mask/custom", "1111").find("'mask.custom': must keep at least one patch"),
            std::string::npos);
  EXPECT_NE(error_with("/tab", "nowhere").find("'tab'"), std::string::npos);
  EXPECT_NE(error_with("/format", "something else").find("'format'"), std::string::npos);
  EXPECT_NE(error_with("/model/sha256", "xyz").find("'model.sha256'"), std::string::npos);
  EXPECT_NE(error_with("/explorer_zoom/zoom", 1000).find("'explorer_zoom'"), std::string::npos);
  EXPECT_NE(error_with("/mask/seed", -1).find("'mask.seed'"), std::string::npos);
  EXPECT_NE(error_with("/mask/seed", 4294967296ull)
                .find("'mask.seed': must be from 0 to 4294967295 (a random mask's 32-bit seed)"),
            std::string::npos);
  EXPECT_NE(error_with("/attention/stack", "middle").find("'attention.stack'"), std::string::npos);
}

} // namespace
} // namespace mae::studio

namespace mae::studio {
namespace {

// Wrapping breaks at spaces only: a number or a path stays whole on a line
// (ImGui's own wrapping split "0.75" after the point).
TEST(StudioText, WordWrapBreaksOnlyAtSpaces) {
  const auto chars = [](const std::string& s) { return static_cast<float>(s.size()); };
  EXPECT_EQ(word_wrapped("batch 128 x 1, peak lr 0.001, mask 0.75 random", 16, chars),
            "batch 128 x 1,\npeak lr 0.001,\nmask 0.75 random");
  // A word longer than the width has a line of its own, uncut.
  EXPECT_EQ(word_wrapped("in /a/very/long/folder/name now", 10, chars),
            "in\n/a/very/long/folder/name\nnow");
  // Newlines stay; lines that fit are left alone.
  EXPECT_EQ(word_wrapped("loss 0.1072\nmask score 0.932", 40, chars),
            "loss 0.1072\nmask score 0.932");
  EXPECT_EQ(word_wrapped("", 10, chars), "");
  // The spaces between words on a line stay as they were; none start a line.
  EXPECT_EQ(word_wrapped("5 / 8   The loss counts", 40, chars), "5 / 8   The loss counts");
  EXPECT_EQ(word_wrapped("5 / 8   The loss counts", 9, chars), "5 / 8\nThe loss\ncounts");
  // A per cent sign stays with its number ("At 75 / % to 90 %" on a slide).
  EXPECT_EQ(word_wrapped("At 75 % to 90 %", 6, chars), "At\n75 %\nto\n90 %");
  EXPECT_EQ(word_wrapped("found (76.2 %), then", 12, chars), "found\n(76.2 %),\nthen");
}

TEST(StudioLesson, TheShippedLessonLoadsAndSlidesBuildOnEachOther) {
  const std::vector<std::string> lessons = shipped_lessons();
  ASSERT_FALSE(lessons.empty());
  for (const std::string& path : lessons) {
    const Lesson lesson = read_lesson(path);
    ASSERT_GE(lesson.slides.size(), 6u) << path;
    for (const Slide& s : lesson.slides) {
      EXPECT_FALSE(s.text.empty()) << s.title;
      EXPECT_TRUE(fs::exists(s.view.model)) << s.view.model;
      EXPECT_TRUE(fs::exists(s.view.image)) << s.view.image;
    }
  }
  // The menu lists them by title, shipped and broken ones alike.
  EXPECT_EQ(lesson_title(lessons.front()), "Masked Autoencoders in eight slides");
  const fs::path broken = fs::path(MAE_TEST_TMP) / "lesson_broken.json";
  std::ofstream(broken.string()) << "{ not json";
  EXPECT_EQ(lesson_title(broken.string()), "lesson_broken");

  // A slide keeps what the slide before set, unless it says otherwise.
  const fs::path dir = fs::path(MAE_TEST_TMP) / "lesson";
  fs::create_directories(dir / "pictures");
  std::ofstream((dir / "m.safetensors").string()) << "a model";
  std::ofstream((dir / "pictures/cat.png").string()) << "a picture";
  std::ofstream((dir / "l.json").string()) << R"({"format": "mae-studio lesson",
    "model": "m.safetensors", "image": "pictures/cat.png", "slides": [
      {"title": "one", "text": "a", "view": {"mask": {"ratio": 0.5, "seed": 3}, "tab": "how"}},
      {"title": "two", "text": "b", "view": {"tab": "compare"}, "hide": ["sidebar"]}]})";
  const Lesson l = read_lesson((dir / "l.json").string());
  ASSERT_EQ(l.slides.size(), 2u);
  EXPECT_EQ(l.slides[1].view.tab, Tab::Compare);
  EXPECT_DOUBLE_EQ(l.slides[1].view.mask.ratio, 0.5);
  EXPECT_EQ(l.slides[1].view.mask.seed, 3u);
  EXPECT_EQ(l.slides[1].hide, std::vector<std::string>{"sidebar"});
  EXPECT_EQ(l.slides[0].view.image, (dir / "pictures/cat.png").lexically_normal().string());

  // A lesson that names no model or picture keeps the ones open: its views
  // name none, and the app loads nothing for them.
  std::ofstream((dir / "any_model.json").string()) << R"({"format": "mae-studio lesson",
    "slides": [{"title": "one", "text": "a", "view": {"tab": "attention"}},
               {"title": "two", "text": "b", "view": {"image": {"path": "pictures/cat.png"}}}]})";
  const Lesson any = read_lesson((dir / "any_model.json").string());
  ASSERT_EQ(any.slides.size(), 2u);
  EXPECT_EQ(any.slides[0].view.model, "");
  EXPECT_EQ(any.slides[0].view.image, "");
  EXPECT_EQ(any.slides[0].view.tab, Tab::Attention);
  EXPECT_EQ(any.slides[1].view.model, "");
  EXPECT_EQ(any.slides[1].view.image, (dir / "pictures/cat.png").lexically_normal().string());
}

// What a slide leaves out stays as the slide before set it: the tab, the
// strategy, the attention stack (they fell back to explorer, random and
// encoder). A picture may be named by its path alone.
TEST(StudioLesson, ALeftOutFieldKeepsTheSlideBeforesValue) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / "lesson_keeps";
  fs::create_directories(dir);
  std::ofstream((dir / "m.safetensors").string()) << "a model";
  std::ofstream((dir / "cat.png").string()) << "a picture";
  std::ofstream((dir / "l.json").string()) << R"({"format": "mae-studio lesson",
    "model": "m.safetensors", "slides": [
      {"title": "one", "view": {"tab": "attention", "mask": {"strategy": "grid"},
                                "attention": {"stack": "decoder", "layer": 1}}},
      {"title": "two", "view": {"patch": 60, "image": "cat.png"}}]})";
  const Lesson l = read_lesson((dir / "l.json").string());
  ASSERT_EQ(l.slides.size(), 2u);
  const ViewState& two = l.slides[1].view;
  EXPECT_EQ(two.tab, Tab::Attention);
  EXPECT_EQ(two.mask.strategy, MaskStrategy::Grid);
  EXPECT_EQ(two.attention.stack, AttentionStack::Decoder);
  EXPECT_EQ(two.attention.layer, 1);
  EXPECT_EQ(two.patch, 60);
  EXPECT_EQ(two.image, (dir / "cat.png").string());
}

// A slide's missing picture is named when the lesson opens, not in front of
// the class; a copy of a shipped lesson saved elsewhere still finds the
// shipped model and picture it names relative to assets/lessons/.
TEST(StudioLesson, MissingFilesAreNamedOnOpeningAndCopiesFindTheShippedOnes) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / "lesson_files" / "copies";
  fs::create_directories(dir);
  const fs::path copy = dir / "my_lesson.json";
  fs::copy_file(shipped_lessons().front(), copy, fs::copy_options::overwrite_existing);
  const Lesson l = read_lesson(copy.string());
  EXPECT_TRUE(fs::equivalent(l.slides[0].view.model, default_model_path()))
      << l.slides[0].view.model;
  EXPECT_TRUE(fs::exists(l.slides[0].view.image)) << l.slides[0].view.image;
  std::ofstream((dir / "missing.json").string()) << R"({"format": "mae-studio lesson",
    "slides": [{"title": "one"}, {"title": "two", "view": {"image": "../nope.png"}}]})";
  const std::string e = test::error_of([&] { read_lesson((dir / "missing.json").string()); });
  EXPECT_NE(e.find("slide 2: config field 'image': '" +
                   (dir / "../nope.png").lexically_normal().string() + "' does not exist"),
            std::string::npos)
      << e;
}

TEST(StudioLesson, ErrorsNameTheSlideAndTheField) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / "lesson_bad";
  fs::create_directories(dir);
  std::ofstream((dir / "m").string()) << "a model";
  std::ofstream((dir / "i").string()) << "a picture";
  const auto error_of = [&](const std::string& slides) {
    std::ofstream((dir / "l.json").string())
        << R"({"format": "mae-studio lesson", "model": "m", "image": "i", "slides": )" + slides +
               "}";
    try {
      read_lesson((dir / "l.json").string());
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  const std::string ratio =
      error_of(R"([{"title": "a"}, {"title": "b", "view": {"mask": {"ratio": 5}}}])");
  EXPECT_NE(ratio.find("slide 2"), std::string::npos) << ratio;
  EXPECT_NE(ratio.find("'mask.ratio'"), std::string::npos) << ratio;
  EXPECT_NE(error_of(R"([{"text": "no title"}])").find("'title'"), std::string::npos);
  EXPECT_NE(error_of(R"([{"title": "a", "hide": ["everything"]}])").find("'hide'"),
            std::string::npos);
  EXPECT_NE(error_of("[]").find("'slides'"), std::string::npos);
  // A misspelt field would silently do nothing on the day of the class.
  const std::string typo = error_of(R"([{"title": "a", "hdie": ["sidebar"]}])");
  EXPECT_NE(typo.find("slide 1: unknown config field 'hdie' (did you mean 'hide'?)"),
            std::string::npos)
      << typo;
  const std::string sweep = error_of(R"([{"title": "a"}, {"title": "b", "sweep": "no.json"}])");
  EXPECT_NE(sweep.find("slide 2: field 'sweep'"), std::string::npos) << sweep;
  EXPECT_NE(sweep.find("no.json"), std::string::npos) << sweep;
}

// A slide may open a sweep's results on the Experiments tab; its path is the
// lesson folder's, like the model's and the picture's.
TEST(StudioLesson, ASlideOpensASweepRelativeToTheLesson) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / "lesson_sweep";
  fs::create_directories(dir / "lessons");
  std::ofstream((dir / "lessons/m").string()) << "a model";
  std::ofstream((dir / "lessons/i").string()) << "a picture";
  const fs::path sweeps = fs::path(config_dir()) / "sweeps";
  const std::string rel = fs::relative(sweeps / "fig5_mask_ratio.json", dir / "lessons").string();
  std::ofstream((dir / "lessons" / "l.json").string())
      << R"({"format": "mae-studio lesson", "model": "m", "image": "i", "slides": [
        {"title": "one", "view": {"tab": "experiments"}, "sweep": ")" +
             rel + R"("},
        {"title": "two"}]})";
  const Lesson l = read_lesson((dir / "lessons" / "l.json").string());
  ASSERT_EQ(l.slides.size(), 2u);
  EXPECT_TRUE(fs::equivalent(l.slides[0].sweep, sweeps / "fig5_mask_ratio.json"))
      << l.slides[0].sweep;
  EXPECT_EQ(l.slides[1].sweep, ""); // the next slide leaves the tab's sweep as it is
  EXPECT_EQ(l.slides[1].view.tab, Tab::Experiments);
}

} // namespace
} // namespace mae::studio

namespace mae::studio {
namespace {

// Export figure (menu, button, Ctrl+E) is offered only when the shown tab has
// a figure, so no file name is asked for nothing.
// Re-rolled seeds are short enough to read off a projector and type back,
// reproducible, and always new; a painted mask has no ratio to sweep.
TEST(StudioMask, ReRollsAndAPaintedMask) {
  const std::string recent = temp_dir("studio_mask") + "/recent.json";
  UiState st(recent);
  st.mask.seed = 0;
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t before = st.mask.seed;
    reroll_seed(st);
    EXPECT_LT(st.mask.seed, kMaxRerolledSeed);
    EXPECT_NE(st.mask.seed, before);
    seen.insert(st.mask.seed);
  }
  EXPECT_GT(seen.size(), 990u);
  UiState again(recent), first(recent);
  reroll_seed(again);
  reroll_seed(first);
  EXPECT_EQ(again.mask.seed, first.mask.seed);

  st.mask.custom = {1, 1, 1, 0};
  st.mask.strategy = MaskStrategy::Custom;
  EXPECT_DOUBLE_EQ(painted_ratio(st), 0.75);
  st.play.playing = true;
  const double ratio = st.mask.ratio;
  advance_play(st, 1.0);
  EXPECT_FALSE(st.play.playing);
  EXPECT_EQ(st.mask.ratio, ratio);
}

// A painted mask fits only its own patch grid: the Compare tab's request and
// its note both ask whether the second model's grid is another one.
TEST(StudioMask, TheSecondModelsGridIsComparedByPatchCount) {
  UiState st(temp_dir("studio_grid") + "/recent.json");
  const auto model = [](int img, int patch) {
    auto info = std::make_shared<ModelInfo>();
    info->config.img_size = img;
    info->config.patch_size = patch;
    return info;
  };
  EXPECT_FALSE(second_model_has_other_grid(st)); // nothing loaded
  st.model = model(224, 16);
  EXPECT_FALSE(second_model_has_other_grid(st)); // no second model
  st.second_model = model(224, 16);
  EXPECT_FALSE(second_model_has_other_grid(st));
  st.second_model = model(112, 8); // 14 x 14 patches as well
  EXPECT_FALSE(second_model_has_other_grid(st));
  st.second_model = model(224, 32);
  EXPECT_TRUE(second_model_has_other_grid(st));
}

// A second model with another input sees another picture: the note says how,
// and that the two MSEs are on different pixels; the same input needs no note.
TEST(StudioMask, TheSecondModelsOtherInputIsSaid) {
  UiState st(temp_dir("studio_input_note") + "/recent.json");
  const auto model = [](int img, int patch, int chans) {
    auto info = std::make_shared<ModelInfo>();
    info->config.img_size = img;
    info->config.patch_size = patch;
    info->config.in_chans = chans;
    return info;
  };
  EXPECT_EQ(second_model_input_note(st), "");
  st.model = model(224, 16, 3);
  st.second_model = model(224, 16, 3);
  EXPECT_EQ(second_model_input_note(st), "");
  st.second_model = model(28, 4, 1); // the Fashion-MNIST model beside a photo model
  EXPECT_EQ(second_model_input_note(st),
            "The second model takes 28 x 28 gray pictures in 4-pixel patches: it sees this picture "
            "resized to 28 x 28 and made gray, on its own 7 x 7 grid and mask. Each MSE is on its "
            "own model's pixels: compare what each fills in, not the two numbers.");
  // The other way round: what the second model sees depends on the picture
  // on screen, not on the main model's channels.
  std::swap(st.model, st.second_model);
  auto gray = std::make_shared<Image>();
  gray->channels = 1;
  st.image = gray;
  EXPECT_NE(second_model_input_note(st).find("224 x 224 colour pictures in 16-pixel patches: it "
                                             "sees this picture resized to 224 x 224 and its gray "
                                             "repeated in 3 channels, on its own 14 x 14 grid"),
            std::string::npos)
      << second_model_input_note(st);
  auto colour = std::make_shared<Image>();
  colour->channels = 3;
  st.image = colour;
  EXPECT_NE(second_model_input_note(st).find("it sees this picture resized to 224 x 224, on its "),
            std::string::npos)
      << second_model_input_note(st);
  // Only the patch size differs: the same picture, another grid.
  st.model = model(224, 16, 3);
  st.second_model = model(224, 32, 3);
  EXPECT_NE(second_model_input_note(st).find("it sees this picture as the main model does, on its "
                                             "own 7 x 7 grid and mask"),
            std::string::npos)
      << second_model_input_note(st);
}

TEST(StudioUiState, AFigureToExportIsTheShownTabs) {
  UiState st(temp_dir("studio_has_figure") + "/recent.json");
  EXPECT_FALSE(st.has_figure());
  auto set = std::make_shared<ReconstructionSet>();
  st.explorer.shown = set;
  EXPECT_FALSE(st.has_figure()); // an answer without a reconstruction
  set->items.emplace_back();
  EXPECT_TRUE(st.has_figure());
  st.show_tab(Tab::Compare);
  EXPECT_FALSE(st.has_figure()); // no comparison yet
  st.show_tab(Tab::Training);
  EXPECT_TRUE(st.has_figure()); // the Training tab exports the Explorer's figure
}

} // namespace
} // namespace mae::studio

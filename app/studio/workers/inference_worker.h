// The one thread that touches torch. It owns the Reconstructor (not
// thread-safe), loads models and decodes images, and answers with immutable
// CPU results that the UI thread reads every frame.
//
// Each kind of request has a single slot: a new request replaces the pending
// one of its kind, so while the user drags a slider only the newest setting
// is computed and stale ones are dropped. Slots are served models first,
// then images, then reconstructions. A reconstruction is answered twice:
// the model's pictures as soon as they exist, then with the inpainting
// baselines, which are skipped when a newer request is already waiting.
#pragma once

#include "data/image.h"
#include "eval/reconstructor.h"
#include "model/model_info.h"
#include "runtime/mailbox.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace mae::studio {

// The worker holds two models: the main one, which every tab shows, and a
// second one the Compare tab sets beside it (e.g. before and after training).
enum class ModelSlot { Main, Second };

struct ModelRequest {
  std::string path;
  LoadOptions options;
  ModelSlot slot = ModelSlot::Main;
};

struct ReconstructRequest {
  uint64_t id = 0;
  int tag = 0;                        // echoed back: which view asked
  std::shared_ptr<const Image> image; // the picture at its own size
  std::vector<MaskSettings> settings; // one per panel column
  std::vector<ModelSlot> models;      // per column, which model; empty: all the main one
  bool trace = false;                 // also the How-it-works stages of each
};

// Where one patch attends, for the Attention tab: the same picture and mask
// as the Explorer, one query.
struct AttentionRequest {
  uint64_t id = 0;
  std::shared_ptr<const Image> image;
  MaskSettings settings;
  AttentionQuery query;
};

// The Explorer's figure at each ratio of a sweep, written as a video for
// slides (File > Export ratio sweep): the same picture, strategy and seed.
struct SweepVideoRequest {
  std::shared_ptr<const Image> image;
  MaskSettings settings; // the ratio runs over the sweep
  double from = 0.1, to = 0.95, step = 0.05, fps = 4;
  std::string path; // .mp4, .avi or a new folder (eval/figure_video.h)
};

// The position-embedding similarity of both stacks: fixed per model, so
// computed once when it loads.
struct PosEmbedGrids {
  PosEmbedGrid encoder, decoder;
};

// One mask's reconstruction with the baselines it is compared against.
struct Reconstruction {
  MaskSettings settings;
  std::string model_label; // the file of the model that made it
  ReconstructionResult result;
  double mae_mse = 0; // masked-region MSE, [0,1] pixels, one function for all three
  // The baselines come in a second answer to the same request (see do_reconstruct).
  bool baselines_ready = false;
  Image telea;     // cv::inpaint (Telea) of the removed patches
  Image mean_fill; // removed patches filled with the visible mean colour
  double telea_mse = 0;
  double mean_fill_mse = 0;
};

struct ReconstructionSet {
  uint64_t request_id = 0;
  int tag = 0;
  std::string model_label; // the main model file's name, as `mae reconstruct` captions it
  std::vector<Reconstruction> items;
  double worker_ms = 0; // from the start of the job to this answer
};

struct WorkerEvent {
  enum class Kind {
    ModelLoaded,
    ModelFailed,
    ImageLoaded,
    ImageFailed,
    Reconstructed,
    ReconstructFailed,
    AttentionReady,
    AttentionFailed,
    SweepProgress, // message: "frame 3 of 18"
    SweepWritten,
    SweepFailed
  };
  Kind kind = Kind::Reconstructed;
  std::string path;                                // the file a load was about
  std::string message;                             // the reason of a failure
  ModelRequest model_request;                      // Model*: what was asked (its slot)
  std::shared_ptr<const ModelInfo> model;          // ModelLoaded
  std::shared_ptr<const PosEmbedGrids> pos_embed;  // ModelLoaded
  std::shared_ptr<const AttentionMap> attention;   // AttentionReady
  std::shared_ptr<const Image> image;              // ImageLoaded: full size
  std::shared_ptr<const Image> preview;            // ImageLoaded: at most kPreviewSide, for display
  std::shared_ptr<const ReconstructionSet> result; // Reconstructed
  uint64_t request_id = 0;                         // Reconstructed / Attention*, and failures
  int tag = 0;                                     // Reconstructed / ReconstructFailed
};

class InferenceWorker {
public:
  static constexpr int kPreviewSide = 2048; // below every GL implementation's texture limit

  // `wake` is called on the worker thread after each event is posted (the
  // app posts an empty GLFW event so that an idle UI redraws).
  InferenceWorker(std::string device, int threads, std::function<void()> wake);
  ~InferenceWorker();
  InferenceWorker(const InferenceWorker&) = delete;
  InferenceWorker& operator=(const InferenceWorker&) = delete;

  void load_model(ModelRequest request);
  void load_image(const std::string& path);
  void reconstruct(ReconstructRequest request);
  void attention(AttentionRequest request);
  void sweep_video(SweepVideoRequest request);

  std::vector<WorkerEvent> take_events() { return events_.take_all(); }
  // Nothing queued, running, or posted and not yet taken.
  bool idle() const { return requests_.idle() && events_.empty(); }
  // A request is being computed.
  bool busy() const { return requests_.busy(); }

private:
  // Variant order is the serving order: models, then images, then
  // reconstructions, then attention maps, then sweep videos.
  using Request = std::variant<ModelRequest, std::string, ReconstructRequest, AttentionRequest,
                               SweepVideoRequest>;

  void run();
  void do_load_model(const ModelRequest& request);
  void do_load_image(const std::string& path);
  void do_reconstruct(const ReconstructRequest& request);
  void do_attention(const AttentionRequest& request);
  void do_sweep_video(const SweepVideoRequest& request);
  struct LoadedModel {
    std::unique_ptr<Reconstructor> model;
    std::string label;
    // The model's input for the last picture, reused while only the mask changes.
    std::shared_ptr<const Image> input_source;
    Image input;
  };
  LoadedModel& slot(ModelSlot s) { return models_[s == ModelSlot::Second ? 1 : 0]; }
  // The picture at the model's size and channels, converted once per picture.
  const Image& model_input(const std::shared_ptr<const Image>& image,
                           ModelSlot s = ModelSlot::Main);
  // `done`: the job is finished (idle() may become true).
  void post(WorkerEvent event, bool done = true);

  const std::string device_;
  const int threads_;

  // One slot per kind: a new request replaces the queued one of its kind.
  Mailbox<Request> requests_;
  Mailbox<WorkerEvent> events_; // posting one calls `wake`

  // Worker thread only.
  LoadedModel models_[2];

  std::thread thread_; // last: starts after everything above exists
};

} // namespace mae::studio

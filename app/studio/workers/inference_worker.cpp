#include "workers/inference_worker.h"

#include "base/errors.h"
#include "checkpoint/model_label.h"
#include "data/image_io.h"
#include "eval/baselines.h"
#include "eval/figure.h"
#include "eval/figure_video.h"
#include "runtime/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

namespace mae::studio {

InferenceWorker::InferenceWorker(std::string device, int threads, std::function<void()> wake)
    : device_(std::move(device)), threads_(threads), events_(std::move(wake)),
      thread_([this] { run(); }) {}

InferenceWorker::~InferenceWorker() {
  requests_.close();
  thread_.join();
}

void InferenceWorker::load_model(ModelRequest request) {
  const ModelSlot s = request.slot;
  requests_.post_replacing(Request(std::move(request)), [s](const Request& r) {
    const auto* m = std::get_if<ModelRequest>(&r);
    return m && m->slot == s;
  });
}

void InferenceWorker::load_image(const std::string& path) {
  requests_.post_replacing(Request(std::in_place_index<1>, path),
                           [](const Request& r) { return r.index() == 1; });
}

void InferenceWorker::reconstruct(ReconstructRequest request) {
  requests_.post_replacing(Request(std::move(request)),
                           [](const Request& r) { return r.index() == 2; });
}

void InferenceWorker::attention(AttentionRequest request) {
  requests_.post_replacing(Request(std::move(request)),
                           [](const Request& r) { return r.index() == 3; });
}

void InferenceWorker::sweep_video(SweepVideoRequest request) {
  requests_.post_replacing(Request(std::move(request)),
                           [](const Request& r) { return r.index() == 4; });
}

void InferenceWorker::post(WorkerEvent event, bool done) {
  events_.post(std::move(event));
  if (done)
    requests_.done(); // after the event: idle() never sees a finished job with no answer
}

void InferenceWorker::run() {
  configure_threads(threads_);
  // The queued request served first: the lowest kind (models, images, reconstructions).
  const auto first_kind = [](const auto& queue) -> std::optional<size_t> {
    std::optional<size_t> best;
    for (size_t i = 0; i < queue.size(); ++i)
      if (!best || queue[i].index() < queue[*best].index())
        best = i;
    return best;
  };
  while (std::optional<Request> request = requests_.wait(first_kind)) {
    if (auto* model = std::get_if<ModelRequest>(&*request))
      do_load_model(*model);
    else if (auto* image = std::get_if<std::string>(&*request))
      do_load_image(*image);
    else if (auto* reconstruct = std::get_if<ReconstructRequest>(&*request))
      do_reconstruct(*reconstruct);
    else if (auto* attention = std::get_if<AttentionRequest>(&*request))
      do_attention(*attention);
    else
      do_sweep_video(std::get<SweepVideoRequest>(*request));
  }
}

void InferenceWorker::do_load_model(const ModelRequest& request) {
  WorkerEvent ev;
  ev.path = request.path;
  ev.model_request = request;
  try {
    auto loaded = Reconstructor::load(request.path, request.options, device_);
    if (!loaded->info().has_decoder)
      throw CheckpointError(
          "encoder-only checkpoint: it has no decoder, so it cannot reconstruct images");
    LoadedModel& m = slot(request.slot);
    m.model = std::move(loaded);
    m.label = model_label(request.path);
    m.input_source.reset(); // the input size may have changed
    ev.kind = WorkerEvent::Kind::ModelLoaded;
    ev.model = std::make_shared<const ModelInfo>(m.model->info());
    ev.pos_embed = std::make_shared<const PosEmbedGrids>(
        PosEmbedGrids{m.model->pos_embed_grid(AttentionStack::Encoder),
                      m.model->pos_embed_grid(AttentionStack::Decoder)});
  } catch (const std::exception& e) {
    // The previous model stays loaded.
    ev.kind = WorkerEvent::Kind::ModelFailed;
    ev.message = exception_text(e);
  }
  post(std::move(ev));
}

void InferenceWorker::do_load_image(const std::string& path) {
  WorkerEvent ev;
  ev.path = path;
  try {
    std::string warning;
    auto image = std::make_shared<const Image>(mae::load_image(path, &warning));
    ev.message = warning;
    std::shared_ptr<const Image> preview = image;
    const int side = std::max(image->width, image->height);
    if (side > kPreviewSide) {
      const double s = static_cast<double>(kPreviewSide) / side;
      preview = std::make_shared<const Image>(
          resize_image(*image, std::max(1, static_cast<int>(image->width * s)),
                       std::max(1, static_cast<int>(image->height * s))));
    }
    ev.kind = WorkerEvent::Kind::ImageLoaded;
    ev.image = std::move(image);
    ev.preview = std::move(preview);
  } catch (const std::exception& e) {
    ev.kind = WorkerEvent::Kind::ImageFailed;
    ev.message = exception_text(e);
  }
  post(std::move(ev));
}

void InferenceWorker::do_reconstruct(const ReconstructRequest& request) {
  WorkerEvent ev;
  ev.kind = WorkerEvent::Kind::Reconstructed;
  ev.request_id = request.id;
  ev.tag = request.tag;
  std::shared_ptr<ReconstructionSet> set;
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  try {
    set = std::make_shared<ReconstructionSet>();
    set->request_id = request.id;
    set->tag = request.tag;
    set->model_label = slot(ModelSlot::Main).label;
    for (size_t i = 0; i < request.settings.size(); ++i) {
      const ModelSlot which = i < request.models.size() ? request.models[i] : ModelSlot::Main;
      const Image& input = model_input(request.image, which);
      Reconstruction r;
      r.settings = request.settings[i];
      r.model_label = slot(which).label;
      r.result = slot(which).model->run(input, r.settings, request.trace);
      const ReconstructionResult& res = r.result;
      // NaN weights: the 8-bit picture holds clamped NaN, whose error would
      // be a plausible number; the float error says what it is.
      r.mae_mse = std::isfinite(res.masked_mse)
                      ? masked_mse(res.reconstruction, res.original, res.mask, res.grid_h,
                                   res.grid_w, res.patch_size)
                      : std::numeric_limits<double>::quiet_NaN();
      set->items.push_back(std::move(r));
    }
    set->worker_ms = elapsed_ms();
    ev.result = set;
  } catch (const std::exception& e) {
    ev.kind = WorkerEvent::Kind::ReconstructFailed;
    ev.message = exception_text(e);
    post(std::move(ev));
    return;
  }
  // The model's pictures go out first; the baselines follow in a second
  // answer to the same request, unless a newer request already waits.
  post(ev, /*done=*/false);
  if (requests_.any([](const Request& r) { return r.index() == 2; })) {
    requests_.done();
    return;
  }
  try {
    auto full = std::make_shared<ReconstructionSet>(*set);
    for (Reconstruction& r : full->items) {
      const ReconstructionResult& res = r.result;
      r.telea = inpaint_telea(res.original, res.mask, res.grid_h, res.grid_w, res.patch_size);
      r.mean_fill =
          fill_visible_mean(res.original, res.mask, res.grid_h, res.grid_w, res.patch_size);
      r.telea_mse =
          masked_mse(r.telea, res.original, res.mask, res.grid_h, res.grid_w, res.patch_size);
      r.mean_fill_mse =
          masked_mse(r.mean_fill, res.original, res.mask, res.grid_h, res.grid_w, res.patch_size);
      r.baselines_ready = true;
    }
    full->worker_ms = elapsed_ms();
    ev.result = std::move(full);
  } catch (const std::exception& e) {
    ev.kind = WorkerEvent::Kind::ReconstructFailed;
    ev.result.reset();
    ev.message = "inpainting baseline: " + exception_text(e);
  }
  post(std::move(ev));
}

const Image& InferenceWorker::model_input(const std::shared_ptr<const Image>& image, ModelSlot s) {
  LoadedModel& m = slot(s);
  if (!m.model)
    throw UsageError(s == ModelSlot::Main ? "no model loaded" : "no second model loaded");
  if (!image || image->empty())
    throw UsageError("no image loaded");
  if (m.input_source != image) {
    const ModelConfig& c = m.model->info().config;
    m.input = convert_channels(resize_center_crop(*image, c.img_size), c.in_chans);
    m.input_source = image;
  }
  return m.input;
}

void InferenceWorker::do_attention(const AttentionRequest& request) {
  WorkerEvent ev;
  ev.request_id = request.id;
  try {
    const Image& input = model_input(request.image); // throws while no model is loaded
    ev.attention = std::make_shared<const AttentionMap>(
        slot(ModelSlot::Main).model->attention(input, request.settings, request.query));
    ev.kind = WorkerEvent::Kind::AttentionReady;
  } catch (const std::exception& e) {
    ev.kind = WorkerEvent::Kind::AttentionFailed;
    ev.message = exception_text(e);
  }
  post(std::move(ev));
}

void InferenceWorker::do_sweep_video(const SweepVideoRequest& request) {
  WorkerEvent ev;
  ev.path = request.path;
  try {
    const std::vector<double> ratios = sweep_ratios(request.from, request.to, request.step);
    const Image& input = model_input(request.image);
    const LoadedModel& m = slot(ModelSlot::Main);
    FigureVideo video(request.path, request.fps);
    for (size_t i = 0; i < ratios.size(); ++i) {
      MaskSettings s = request.settings;
      s.ratio = ratios[i];
      video.add(demo_figure(m.model->run(input, s), m.label, s));
      WorkerEvent progress;
      progress.kind = WorkerEvent::Kind::SweepProgress;
      progress.path = request.path;
      progress.message = "frame " + std::to_string(i + 1) + " of " + std::to_string(ratios.size());
      post(std::move(progress), /*done=*/false);
    }
    video.finish();
    ev.kind = WorkerEvent::Kind::SweepWritten;
    ev.message = std::to_string(ratios.size()) + " frames";
  } catch (const std::exception& e) {
    ev.kind = WorkerEvent::Kind::SweepFailed;
    ev.message = exception_text(e);
  }
  post(std::move(ev));
}

} // namespace mae::studio

#include "dist/dist_group.h"
#include "dist/rank_heartbeat.h"

#include "base/errors.h"

#include <torch/torch.h>

#ifdef MAE_WITH_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <cctype>
#include <chrono>

namespace mae {

#ifdef MAE_WITH_GLOO

bool distributed_available() {
  return true;
}

namespace {

// c10d logs a failure itself before it throws (glog lines ahead of our
// message, which carries their text anyway): only fatal lines are shown.
void quiet_c10_logging() {
#ifdef C10_USE_GLOG
  FLAGS_minloglevel = google::GLOG_FATAL;
#else
  using namespace c10;        // where c10's own flags live; gflags' are global
  FLAGS_caffe2_log_level = 3; // FATAL
#endif
}

// c10d's messages, without their C++ stack traces, with what to do.
std::string what_failed(const std::string& during, const std::exception& e, const DistEnv& env) {
  std::string text = e.what();
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e))
    text = c10->what_without_backtrace();
  if (const auto cut = text.find("\nException raised from"); cut != std::string::npos)
    text.resize(cut);
  return "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) + ", " +
         during + ": " + text;
}

} // namespace

struct DistGroup::Impl {
  DistEnv env;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::string backend = "gloo";
  std::unique_ptr<RankHeartbeat> heartbeat;

  // A collective that failed: a peer died (connection closed) or hung
  // (timeout). The heartbeats say which.
  [[noreturn]] void lost(const std::string& what, const std::exception& e) const {
    std::string who =
        heartbeat ? heartbeat->diagnose() : std::string("another rank stopped, crashed or hung");
    who[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(who[0])));
    throw DistError(what_failed(what, e, env) + ". " + who +
                    "; this one stops too. The last checkpoint is kept.");
  }
};

DistGroup::DistGroup(const DistEnv& env, const std::string& device_type)
    : impl_(std::make_unique<Impl>()) {
  impl_->env = env;
  std::string backend = env.backend == "auto" ? "gloo" : env.backend;
  if (backend == "nccl")
    throw UsageError("--dist-backend nccl needs LibTorch with CUDA and NCCL; this build has Gloo");
  if (backend != "gloo")
    throw UsageError("--dist-backend " + env.backend + ": expected auto, gloo or nccl");
  (void)device_type;
  quiet_c10_logging();
  c10d::TCPStoreOptions so;
  so.port = env.master_port;
  so.isServer = env.rank == 0 && !env.agent_store;
  so.numWorkers = env.agent_store ? c10::nullopt : c10::optional<std::size_t>(env.world_size);
  so.waitWorkers = !env.agent_store;
  so.timeout = env.timeout;
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    throw DistError(what_failed("joining the store at " + env.master_addr + ":" +
                                    std::to_string(env.master_port),
                                e, env) +
                    // Rank 0 serves the store and joins it at MASTER_ADDR: either may fail.
                    (so.isServer ? ". Is the port in use (choose another with MASTER_PORT), or "
                                   "MASTER_ADDR not an address of this machine?"
                                 : ". Is rank 0 running, and MASTER_ADDR/MASTER_PORT right?"));
  }
  try {
    // torchrun's store is shared with its agent: our keys under a prefix.
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("mae/default_pg", impl_->store);
    auto options = c10d::ProcessGroupGloo::Options::create(env.timeout);
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(
        env.master_addr == "localhost" ? "127.0.0.1" : env.master_addr));
    impl_->group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, env.rank, env.world_size, options);
  } catch (const std::exception& e) {
    throw DistError(
        what_failed("forming the Gloo group", e, env) + ": not every one of the " +
        std::to_string(env.world_size) + " ranks joined within " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(env.timeout).count()) +
        " s (--dist-timeout). Are they all started, with the same WORLD_SIZE?");
  }
  impl_->backend = backend;
  impl_->heartbeat = std::make_unique<RankHeartbeat>(
      [store = impl_->store](const std::string& key, int64_t delta) {
        return store->add(key, delta);
      },
      env.rank, env.world_size, env.agent_store ? "torchrun's agent" : "rank 0");
}

DistGroup::~DistGroup() = default;

int DistGroup::rank() const {
  return impl_->env.rank;
}
int DistGroup::world_size() const {
  return impl_->env.world_size;
}
const std::string& DistGroup::backend() const {
  return impl_->backend;
}

void DistGroup::broadcast(std::vector<at::Tensor>& tensors) {
  try {
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{t};
      impl_->group->broadcast(one)->wait();
    }
  } catch (const std::exception& e) {
    impl_->lost("broadcasting rank 0's weights", e);
  }
}

double DistGroup::allreduce_mean(std::vector<at::Tensor>& tensors, size_t bucket_bytes) {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  try {
    size_t i = 0;
    while (i < tensors.size()) {
      // One flat bucket of consecutive tensors of one dtype and device.
      std::vector<at::Tensor> bucket{tensors[i]};
      size_t bytes = tensors[i].numel() * tensors[i].element_size();
      size_t j = i + 1;
      for (; j < tensors.size() && bytes < bucket_bytes &&
             tensors[j].scalar_type() == tensors[i].scalar_type() &&
             tensors[j].device() == tensors[i].device();
           ++j) {
        bucket.push_back(tensors[j]);
        bytes += tensors[j].numel() * tensors[j].element_size();
      }
      std::vector<at::Tensor> flat{torch::cat(
          [&] {
            std::vector<at::Tensor> views;
            for (const auto& t : bucket)
              views.push_back(t.reshape({-1}));
            return views;
          }(),
          0)};
      impl_->group->allreduce(flat)->wait();
      flat[0].div_(impl_->env.world_size);
      int64_t offset = 0;
      for (auto& t : bucket) {
        t.copy_(flat[0].slice(0, offset, offset + t.numel()).view_as(t));
        offset += t.numel();
      }
      i = j;
    }
  } catch (const std::exception& e) {
    impl_->lost("averaging gradients", e);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::function<void()> DistGroup::start_allreduce_sum(const at::Tensor& flat) {
  std::vector<at::Tensor> tensors{flat};
  decltype(impl_->group->allreduce(tensors)) work; // c10d::Work (2.x) or ProcessGroup::Work
  try {
    work = impl_->group->allreduce(tensors);
  } catch (const std::exception& e) {
    impl_->lost("averaging gradients", e);
  }
  return [this, work] {
    try {
      work->wait();
    } catch (const std::exception& e) {
      impl_->lost("averaging gradients", e);
    }
  };
}

bool DistGroup::all_true(bool mine) {
  std::vector<at::Tensor> flag{torch::full({1}, mine ? 0.0f : 1.0f)};
  try {
    impl_->group->allreduce(flag)->wait();
  } catch (const std::exception& e) {
    impl_->lost("agreeing to go on", e);
  }
  return flag[0].item<float>() == 0.0f;
}

void DistGroup::barrier() {
  try {
    impl_->group->barrier()->wait();
  } catch (const std::exception& e) {
    impl_->lost("waiting for the other ranks", e);
  }
}

#else // no c10d with Gloo in this LibTorch

bool distributed_available() {
  return false;
}

struct DistGroup::Impl {};

DistGroup::DistGroup(const DistEnv&, const std::string&) {
  throw UsageError("this build has no distributed training: it needs LibTorch's c10d with Gloo "
                   "(Debian: libgloo-dev)");
}
DistGroup::~DistGroup() = default;
int DistGroup::rank() const {
  return 0;
}
int DistGroup::world_size() const {
  return 1;
}
const std::string& DistGroup::backend() const {
  static const std::string none = "none";
  return none;
}
void DistGroup::broadcast(std::vector<at::Tensor>&) {}
double DistGroup::allreduce_mean(std::vector<at::Tensor>&, size_t) {
  return 0;
}
std::function<void()> DistGroup::start_allreduce_sum(const at::Tensor&) {
  return [] {};
}
bool DistGroup::all_true(bool mine) {
  return mine;
}
void DistGroup::barrier() {}

#endif

void broadcast_module(DistGroup& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors;
  for (auto& p : module.parameters())
    tensors.push_back(p.detach());
  for (auto& b : module.buffers())
    tensors.push_back(b);
  group.broadcast(tensors);
}

} // namespace mae

#include "dist_options.h"

#include "base/errors.h"
#include "dist/dist_env.h"
#include "dist/local_launch.h"
#include "runtime/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace mae::cli {
namespace {

// torchrun's variables (or those --nproc set) with the command's backend and timeout.
std::optional<DistEnv> dist_settings(const Args& args) {
  std::optional<DistEnv> env = dist_env_from_environment();
  if (!env)
    return env;
  env->backend = args.get("dist-backend");
  const double timeout = args.get_double("dist-timeout");
  env->timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  return env;
}

// The launcher's own options ("--nproc N", "--nproc=N") and those in `drop`.
std::vector<std::string> worker_argv(const std::string& command, int argc, const char* const* argv,
                                     std::vector<std::string> drop) {
  drop.push_back("--nproc");
  std::vector<std::string> worker{"/proc/self/exe", command};
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    const auto dropped = [&](const std::string& name) {
      return a == name || a.rfind(name + "=", 0) == 0;
    };
    const auto it = std::find_if(drop.begin(), drop.end(), dropped);
    if (it == drop.end()) {
      worker.push_back(a);
      continue;
    }
    if (a == *it)
      ++i; // its value
  }
  return worker;
}

} // namespace

void check_dist_options(const Args& args) {
  const std::string backend = args.get("dist-backend");
  if (backend != "auto" && backend != "gloo" && backend != "nccl")
    throw UsageError("--dist-backend " + backend + ": expected auto, gloo or nccl");
  (void)args.get_double("dist-timeout"); // refuses what is no number in its range
}

void add_dist_options(Args& args, const std::string& what) {
  args.option("nproc", "N",
              "data-parallel: " + what +
                  " in N local processes (c10d, Gloo), each with the batch size's images a step "
                  "(torchrun sets the same variables itself)")
      .option("dist-backend", "auto|gloo|nccl",
              "distributed backend (auto: NCCL on CUDA, else Gloo)", "auto")
      .option("dist-timeout", "SECONDS",
              "distributed runs: a rank that does not answer within this long stops the run", "300")
      .range(1, 86400);
}

std::optional<int> launch_if_asked(const Args& args, const std::string& command, int argc,
                                   const char* const* argv, const std::vector<std::string>& drop,
                                   const std::vector<std::string>& extra) {
  if (!args.has("nproc"))
    return std::nullopt;
  // Workers never get --nproc: both means a launcher's variables and ours.
  if (const std::optional<DistEnv> env = dist_settings(args))
    throw UsageError("--nproc starts processes of its own, but this one is already rank " +
                     std::to_string(env->rank) + " of " + std::to_string(env->world_size) +
                     " (WORLD_SIZE is set, as torchrun sets it): drop --nproc under a launcher, "
                     "or unset WORLD_SIZE and RANK");
  const long long n = args.get_int("nproc");
  const long long most = 4 * std::max(1u, std::thread::hardware_concurrency());
  if (n < 1 || n > most)
    throw UsageError("--nproc must be from 1 to " + std::to_string(most) + " on this machine");
  if (n == 1)
    return std::nullopt;
  std::vector<std::string> worker = worker_argv(command, argc, argv, drop);
  worker.insert(worker.end(), extra.begin(), extra.end());
  const std::optional<uint16_t> asked =
      master_port_from([](const char* name) { return std::getenv(name); });
  const int port = asked ? *asked : free_local_port();
  std::fprintf(stderr, "launching %lld ranks on 127.0.0.1:%d\n", n, port);
  const LaunchResult r = launch_local(worker, static_cast<int>(n), port);
  if (r.exit_code != 0)
    throw DistError(r.message);
  return r.stopped ? kStoppedExitCode : 0;
}

std::shared_ptr<DistGroup> join_dist_group(const Args& args, const std::string& device) {
  const std::optional<DistEnv> env = dist_settings(args);
  if (!env || env->world_size <= 1)
    return nullptr;
  if (threads_automatic()) // the node's cores shared among its ranks
    configure_threads(std::max(1, thread_count(0) / env->local_world_size));
  return std::make_shared<DistGroup>(*env, device);
}

} // namespace mae::cli

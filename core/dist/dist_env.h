// Where a process stands in a data-parallel run: the variables torchrun (and
// `mae train --nproc`) set for every worker. Torch-free.
//
//   RANK, WORLD_SIZE          this worker and how many there are
//   LOCAL_RANK, LOCAL_WORLD_SIZE  the same on this node
//   MASTER_ADDR, MASTER_PORT  the rendezvous store (rank 0 serves it)
//   TORCHELASTIC_USE_AGENT_STORE  "True": torchrun's agent serves the store,
//                             so every rank, rank 0 included, is a client
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mae {

struct DistEnv {
  int rank = 0, world_size = 1;
  int local_rank = 0, local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  uint16_t master_port = 29500;
  bool agent_store = false;
  std::string backend = "auto"; // auto (NCCL on CUDA, else Gloo), gloo, nccl
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

// From the environment: nullopt when WORLD_SIZE is unset (a plain single
// process run). Throws UsageError naming the variable that is missing or bad.
std::optional<DistEnv> dist_env_from(const std::function<const char*(const char*)>& getenv);
std::optional<DistEnv> dist_env_from_environment();

// $MASTER_PORT, nullopt when unset; throws UsageError when it is no port.
std::optional<uint16_t> master_port_from(const std::function<const char*(const char*)>& getenv);

// The variables a launcher sets for worker `rank` of `env.world_size`.
std::vector<std::pair<std::string, std::string>> dist_env_variables(const DistEnv& env, int rank);

} // namespace mae

#include "dist/dist_env.h"

#include "base/errors.h"
#include "base/whole_number.h"

namespace mae {
namespace {

long read_int(const std::function<const char*(const char*)>& getenv, const char* name, long lo,
              long hi, std::optional<long> fallback) {
  const char* text = getenv(name);
  if (!text || !*text) {
    if (fallback)
      return *fallback;
    throw UsageError(std::string(name) + " is not set: a distributed run (WORLD_SIZE is set) "
                                         "needs it; launch with torchrun or mae train --nproc N");
  }
  const std::optional<long long> v = whole_number(text, lo, hi);
  if (!v)
    throw UsageError(std::string(name) + "=" + text + ": expected a whole number from " +
                     std::to_string(lo) + " to " + std::to_string(hi));
  return static_cast<long>(*v);
}

} // namespace

std::optional<uint16_t> master_port_from(const std::function<const char*(const char*)>& getenv) {
  const long port = read_int(getenv, "MASTER_PORT", 1, 65535, 0);
  return port == 0 ? std::nullopt : std::optional<uint16_t>(static_cast<uint16_t>(port));
}

std::optional<DistEnv> dist_env_from(const std::function<const char*(const char*)>& getenv) {
  const char* world = getenv("WORLD_SIZE");
  if (!world || !*world)
    return std::nullopt;
  DistEnv e;
  e.world_size = static_cast<int>(read_int(getenv, "WORLD_SIZE", 1, 65536, std::nullopt));
  e.rank = static_cast<int>(read_int(getenv, "RANK", 0, e.world_size - 1, std::nullopt));
  e.local_world_size =
      static_cast<int>(read_int(getenv, "LOCAL_WORLD_SIZE", 1, e.world_size, e.world_size));
  e.local_rank = static_cast<int>(
      read_int(getenv, "LOCAL_RANK", 0, e.local_world_size - 1, e.rank % e.local_world_size));
  if (const char* addr = getenv("MASTER_ADDR"); addr && *addr)
    e.master_addr = addr;
  else if (e.world_size > 1)
    throw UsageError("MASTER_ADDR is not set: the ranks need the address of rank 0's store");
  e.master_port = master_port_from(getenv).value_or(29500);
  if (const char* agent = getenv("TORCHELASTIC_USE_AGENT_STORE"))
    e.agent_store = std::string(agent) == "True" || std::string(agent) == "1";
  return e;
}

std::optional<DistEnv> dist_env_from_environment() {
  return dist_env_from([](const char* name) { return std::getenv(name); });
}

std::vector<std::pair<std::string, std::string>> dist_env_variables(const DistEnv& env, int rank) {
  return {
      {"RANK", std::to_string(rank)},       {"WORLD_SIZE", std::to_string(env.world_size)},
      {"LOCAL_RANK", std::to_string(rank)}, {"LOCAL_WORLD_SIZE", std::to_string(env.world_size)},
      {"MASTER_ADDR", env.master_addr},     {"MASTER_PORT", std::to_string(env.master_port)}};
}

} // namespace mae

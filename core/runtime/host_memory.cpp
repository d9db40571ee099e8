#include "runtime/host_memory.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace mae {
namespace {

// A number in a one-value file ("max" and errors: -1).
int64_t read_number(const char* path) {
  std::ifstream in(path);
  int64_t v = -1;
  if (!(in >> v))
    return -1;
  return v;
}

int64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream s(line);
    std::string key;
    int64_t kb = 0;
    if (s >> key >> kb && key == "MemAvailable:")
      return kb * 1024;
  }
  return -1;
}

} // namespace

int64_t available_host_memory_bytes() {
  int64_t available = meminfo_available();
  const int64_t limit = read_number("/sys/fs/cgroup/memory.max");
  const int64_t used = read_number("/sys/fs/cgroup/memory.current");
  if (limit > 0 && used >= 0) {
    const int64_t left = std::max<int64_t>(0, limit - used);
    available = available < 0 ? left : std::min(available, left);
  }
  return available;
}

std::string format_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.0f MB", bytes / 1e6);
  return buf;
}

} // namespace mae

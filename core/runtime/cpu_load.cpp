#include "runtime/cpu_load.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace mae {

std::optional<CpuTimes> parse_cpu_times(const std::string& proc_stat) {
  std::istringstream in(proc_stat);
  std::string name;
  if (!(in >> name) || name != "cpu")
    return std::nullopt;
  // user nice system idle iowait irq softirq steal (guest time is in user)
  uint64_t field[8] = {};
  int read = 0;
  while (read < 8 && in >> field[read])
    ++read;
  if (read < 4) // user nice system idle: every kernel has these
    return std::nullopt;
  CpuTimes t;
  for (int i = 0; i < 8; ++i)
    t.total += field[i];
  t.busy = t.total - field[3] - field[4];
  return t;
}

double busy_cores(const CpuTimes& before, const CpuTimes& after, int cores) {
  if (after.total <= before.total || after.busy < before.busy)
    return 0;
  const double share = static_cast<double>(after.busy - before.busy) /
                       static_cast<double>(after.total - before.total);
  return std::clamp(share, 0.0, 1.0) * cores;
}

namespace {

std::optional<CpuTimes> read_cpu_times() {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line))
    return std::nullopt;
  return parse_cpu_times(line);
}

} // namespace

int measure_cores_in_use(int cores, int ms) {
  const auto before = read_cpu_times();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  const auto after = read_cpu_times();
  if (!before || !after)
    return 0;
  return std::clamp(static_cast<int>(std::ceil(busy_cores(*before, *after, cores) - 0.25)), 0,
                    cores);
}

int cores_in_use(int cores) {
  static const int in_use = measure_cores_in_use(cores, 60);
  return std::min(in_use, cores);
}

} // namespace mae

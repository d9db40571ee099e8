// How busy the machine's cores are with other work, from /proc/stat. OpenMP
// threads that share a core with a busy process wait for each other at every
// barrier (a batch-1 forward of the default model: 61 ms at one thread, 135
// ms at two beside one busy process on 2 cores), so the automatic thread
// count leaves such cores alone. Torch-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mae {

struct CpuTimes {
  uint64_t busy = 0, total = 0; // in clock ticks, summed over all cores
};

// The aggregate "cpu" line of /proc/stat's text; nullopt when it has none.
std::optional<CpuTimes> parse_cpu_times(const std::string& proc_stat);

// How many of `cores` were busy between two readings (0 when no time passed).
double busy_cores(const CpuTimes& before, const CpuTimes& after, int cores);

// Cores kept busy over the next `ms` milliseconds, counted as whole cores once
// more than a quarter of one is in use; 0 where /proc/stat cannot be read.
int measure_cores_in_use(int cores, int ms);

// measure_cores_in_use over 60 ms the first time, remembered for the process
// (it is called before the process starts work of its own).
int cores_in_use(int cores);

} // namespace mae

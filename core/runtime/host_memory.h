// How much memory this process can still take: the kernel's MemAvailable,
// lowered by a cgroup (container) limit where one is set.
#pragma once

#include <cstdint>
#include <string>

namespace mae {

// Bytes, or -1 where neither /proc/meminfo nor the cgroup says.
int64_t available_host_memory_bytes();

// "18.2 GB", "640 MB": for messages.
std::string format_bytes(double bytes);

} // namespace mae

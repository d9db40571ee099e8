// The pid of a process that has ended: the name a killed writer's temporary
// file carries. (It could be taken again by a new process before the test
// looks; pids are not reused that fast.)
#pragma once

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace mae::test {

inline std::string dead_pid() {
  const pid_t child = fork();
  if (child == 0)
    _exit(0);
  waitpid(child, nullptr, 0);
  return std::to_string(child);
}

} // namespace mae::test

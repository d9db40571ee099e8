// `mae train --nproc N`: N local worker processes of the same command, each
// with the variables torchrun would set, for users without Python. Torch-free.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mae {

// What train, finetune and sweep exit with when a stop (Ctrl-C, SIGTERM) cut
// them short, saved (as a shell's 128 + SIGINT): `mae train ... && next` must
// not go on with half a run. A launched rank exiting so has not failed.
constexpr int kStoppedExitCode = 130;

struct LaunchResult {
  int exit_code = 0;    // 0 when every rank finished (or stopped) cleanly
  bool stopped = false; // a rank exited with kStoppedExitCode
  std::string message;  // which rank failed and how; empty on success
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_local_port();

// Runs `argv` (argv[0] a path to an executable) `nproc` times with the
// distributed variables of each rank added to this process's environment
// (and MAE_THREADS = cores / nproc unless set). When a rank fails, the others
// get SIGTERM (then SIGKILL after `grace_s`) and the result names the rank.
// SIGINT, SIGTERM and SIGHUP to the launcher are passed on to every rank
// (each in a process group of its own, so a terminal's Ctrl-C arrives once),
// and the launcher waits for them; a rank whose launcher dies gets SIGTERM.
LaunchResult launch_local(const std::vector<std::string>& argv, int nproc, int port,
                          int grace_s = 10);

} // namespace mae

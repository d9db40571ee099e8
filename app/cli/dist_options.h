// What `mae train`, `mae finetune` and `mae bench` share for data-parallel
// runs: the options (--nproc, --dist-backend, --dist-timeout), launching N
// local workers of the same command, and joining the process group under
// torchrun's variables.
#pragma once

#include "args.h"

#include "dist/dist_group.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mae::cli {

void add_dist_options(Args& args, const std::string& what);

// --dist-backend and --dist-timeout, checked right after parsing, before any
// file is written or rank started (and in a run of one process too).
void check_dist_options(const Args& args);

// With --nproc N > 1 and no torchrun variables: runs `command` again in N
// worker processes (argv without --nproc and the options in `drop`, plus
// `extra`), waits for them and returns the exit code. Nothing otherwise.
std::optional<int> launch_if_asked(const Args& args, const std::string& command, int argc,
                                   const char* const* argv, const std::vector<std::string>& drop,
                                   const std::vector<std::string>& extra);

// A worker (torchrun's or --nproc's) of a world larger than one: the process
// group, the automatic thread count shared among the node's ranks. Else null.
std::shared_ptr<DistGroup> join_dist_group(const Args& args, const std::string& device);

} // namespace mae::cli

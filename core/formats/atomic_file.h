// Crash-safe writes for checkpoints: a write goes to a temporary file beside
// the target and is renamed over it only once it is complete and on disk, so a
// failure keeps the previous file intact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mae {

// The temporary name used while writing `path`: "<path>.tmp-<pid>".
std::string temp_path_for(const std::string& path);
// A file name of that form: a write under way, or one a killed writer left.
bool is_temp_name(const std::string& name);

// Calls `writer` on a stream to "<path>.tmp-<pid>" (first removing such
// files a killed write of `path` left: their process has ended), flushes and fsyncs it,
// calls `before_rename` (a test hook: make it throw to simulate a crash
// between write and rename), then renames it over `path`. A symbolic link is
// written through to its target; anything but a regular file (a directory, a
// device node, a FIFO) is refused, never replaced. On any exception the
// temporary file is removed and the exception rethrown. I/O failures throw
// CheckpointError naming the path and the system's reason.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& writer,
                       const std::function<void()>& before_rename = {});

// Same, for bytes already in memory.
void write_file_atomic(const std::string& path, const void* data, size_t size,
                       const std::function<void()>& before_rename = {});

// Creates `dir` and its parents where missing; CheckpointError "cannot create
// the folder DIR: REASON" otherwise (the library's own message names neither
// plainly).
void create_folder(const std::string& dir);

// Before any work for an output folder: UsageError when `dir`, or the nearest
// of its parents that exists, is a file (create_folder would fail later).
void require_folder_path(const std::string& dir);

// Removes the temporary files in `dir` left by writers that were killed (their
// process no longer exists); returns how many.
int remove_stale_temps(const std::string& dir);

// The entries of `dir` named "<stem>.tmp-<pid><suffix>" whose process has
// ended: what a killed writer of "<stem><suffix>" left there.
std::vector<std::string> stale_temps_of(const std::string& dir, const std::string& stem,
                                        const std::string& suffix = "");

} // namespace mae

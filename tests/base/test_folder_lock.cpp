#include "base/folder_lock.h"

#include "base/errors.h"

#include <csignal>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mae {
namespace {
namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mae_folder_lock_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string refusal(const std::string& dir) {
  try {
    FolderLock again(dir);
  } catch (const UsageError& e) {
    return e.what();
  }
  return {};
}

TEST(FolderLock, ASecondWriterIsRefusedNamingTheFirst) {
  const std::string dir = fresh_dir("second");
  {
    FolderLock lock(dir);
    EXPECT_TRUE(lock.held());
    const std::string why = refusal(dir);
    EXPECT_NE(why.find("is in use"), std::string::npos) << why;
    EXPECT_NE(why.find("pid " + std::to_string(getpid())), std::string::npos) << why;
  }
  EXPECT_EQ(refusal(dir), ""); // freed with its holder
  FolderLock a(dir);
  a.release();
  EXPECT_FALSE(a.held());
  FolderLock b(dir);
  EXPECT_TRUE(b.held());
  FolderLock moved = std::move(b); // the lock goes with the object
  EXPECT_FALSE(b.held());
  EXPECT_NE(refusal(dir), "");
}

// A killed holder frees the folder: no stale lock to clean by hand.
TEST(FolderLock, AKilledHolderLeavesNoLock) {
  const std::string dir = fresh_dir("killed");
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FolderLock lock(dir);
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  const std::string why = refusal(dir);
  EXPECT_NE(why.find("pid " + std::to_string(child)), std::string::npos) << why;
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_EQ(refusal(dir), "");
  close(ready[0]);
  close(ready[1]);
}

// The lock file's name is anyone's: a link there is not followed into the
// file it names, a FIFO is not waited on, a read-only folder is no error.
TEST(FolderLock, WhatStandsAtItsNameIsLeftAlone) {
  const std::string dir = fresh_dir("hostile");
  const std::string user_file = dir + "/notes.txt";
  std::ofstream(user_file) << "keep me";
  fs::create_symlink(user_file, fs::path(dir) / kFolderLockName);
  {
    FolderLock lock(dir);
    EXPECT_FALSE(lock.held());
  }
  std::ifstream in(user_file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "keep me");

  const std::string fifo_dir = fresh_dir("fifo");
  ASSERT_EQ(mkfifo((fifo_dir + "/" + kFolderLockName).c_str(), 0644), 0);
  FolderLock on_fifo(fifo_dir); // returns at once
  EXPECT_FALSE(on_fifo.held());

  if (geteuid() != 0) { // root writes anywhere
    const std::string read_only = fresh_dir("read_only");
    fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
    FolderLock none(read_only);
    EXPECT_FALSE(none.held());
    fs::permissions(read_only, fs::perms::owner_all);
  }
}

} // namespace
} // namespace mae

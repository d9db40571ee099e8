#include "formats/atomic_file.h"

#include "base/errors.h"
#include "formats/posix_fd.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <streambuf>
#include <sys/stat.h>
#include <unistd.h>

namespace mae {

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// Writes everything or returns the errno of the failure.
int write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

// A buffered ostream target on a POSIX descriptor: std::ofstream cannot
// fsync, and a checkpoint is only safe to rename once it is on disk.
class FdStreambuf : public std::streambuf {
public:
  explicit FdStreambuf(int fd) : fd_(fd), buffer_(1 << 20) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  int error() const { return error_; }

protected:
  int_type overflow(int_type ch) override {
    if (flush_buffer() != 0)
      return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    // Large blocks (tensor data) skip the buffer.
    if (n >= static_cast<std::streamsize>(buffer_.size())) {
      if (flush_buffer() != 0)
        return 0;
      error_ = write_all(fd_, s, static_cast<size_t>(n));
      return error_ == 0 ? n : 0;
    }
    return std::streambuf::xsputn(s, n);
  }
  int sync() override { return flush_buffer() == 0 ? 0 : -1; }

private:
  int flush_buffer() {
    if (error_ != 0)
      return error_;
    error_ = write_all(fd_, pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return error_;
  }

  int fd_;
  std::vector<char> buffer_;
  int error_ = 0;
};

std::string parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Makes the rename itself durable; best effort, as not every filesystem
// supports fsync on a directory.
void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

[[noreturn]] void fail_write(const std::string& path, const char* step, int err) {
  throw CheckpointError("cannot " + std::string(step) + " " + path + ": " + errno_text(err));
}

// Errors name the file the user asked for, not the temporary one beside it.
void write_temp(const std::string& path, const std::string& tmp,
                const std::function<void(std::ostream&)>& writer) {
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT)
      throw CheckpointError("cannot write " + path + ": the folder " + parent_dir(path) +
                            " does not exist");
    fail_write(path, "write", err);
  }
  FdStreambuf buf(fd.get());
  std::ostream out(&buf);
  writer(out);
  out.flush();
  if (buf.error() != 0)
    fail_write(path, "write", buf.error());
  if (!out)
    throw CheckpointError("cannot write " + path + ": the stream reported an error");
  if (::fsync(fd.get()) != 0)
    fail_write(path, "sync", errno);
  if (const int err = fd.close())
    fail_write(path, "close", err);
}

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

// The file a write replaces: symbolic links are followed to their target (the
// rename would otherwise replace the link), and only a regular file, or
// nothing, may be replaced (renaming over /dev/null would replace the node).
std::string write_target(const std::string& path) {
  std::string target = path;
  struct stat st {};
  for (int hops = 0; ::lstat(target.c_str(), &st) == 0 && S_ISLNK(st.st_mode); ++hops) {
    if (hops == 40)
      throw CheckpointError("cannot write " + path + ": too many levels of symbolic links");
    std::string link(4096, '\0');
    const ssize_t n = ::readlink(target.c_str(), link.data(), link.size());
    if (n < 0)
      fail_write(path, "follow the link", errno);
    link.resize(static_cast<size_t>(n));
    target = link.rfind('/', 0) == 0 ? link : parent_dir(target) + "/" + link;
  }
  if (::stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw CheckpointError("cannot write " + path + ": it is " + file_kind(st.st_mode) +
                          ", not a regular file; refusing to replace it");
  return target;
}

// The pid in "<stem>.tmp-<pid><suffix>" (any stem when `stem` is null), or 0.
long temp_pid(const std::string& name, const std::string* stem, const std::string& suffix) {
  const size_t at = stem ? stem->size() : name.rfind(".tmp-");
  if (at == std::string::npos || (stem && name.compare(0, at, *stem) != 0) ||
      name.compare(at, 5, ".tmp-") != 0 || name.size() < at + 5 + suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  const std::string digits = name.substr(at + 5, name.size() - at - 5 - suffix.size());
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  return std::stol(digits);
}

// No process `pid` (ESRCH): its writes ended with it. A live one, even
// another program that took the pid since, keeps its file.
bool writer_gone(long pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// A killed write of `path` leaves "<path>.tmp-<pid>": the next write of the
// same path removes it (a half model can be gigabytes). Regular files only.
void remove_stale_temps_for(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  for (const std::string& temp : stale_temps_of(parent_dir(path), name)) {
    struct stat st {};
    if (::lstat(temp.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      ::unlink(temp.c_str());
  }
}

} // namespace

std::vector<std::string> stale_temps_of(const std::string& dir, const std::string& stem,
                                        const std::string& suffix) {
  std::vector<std::string> found;
  DIR* d = ::opendir(dir.c_str());
  if (!d)
    return found;
  while (const dirent* e = ::readdir(d))
    if (writer_gone(temp_pid(e->d_name, &stem, suffix)))
      found.push_back(dir + "/" + e->d_name);
  ::closedir(d);
  return found;
}

std::string temp_path_for(const std::string& path) {
  return path + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
}

bool is_temp_name(const std::string& name) {
  return name.find(".tmp-") != std::string::npos;
}

void write_file_atomic(const std::string& requested,
                       const std::function<void(std::ostream&)>& writer,
                       const std::function<void()>& before_rename) {
  const std::string path = write_target(requested);
  const std::string tmp = temp_path_for(path);
  remove_stale_temps_for(path);
  try {
    write_temp(path, tmp, writer);
    if (before_rename)
      before_rename();
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      fail_write(path, "rename a temporary file over", errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  sync_dir(parent_dir(path));
}

void write_file_atomic(const std::string& path, const void* data, size_t size,
                       const std::function<void()>& before_rename) {
  write_file_atomic(
      path,
      [&](std::ostream& out) {
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
      },
      before_rename);
}

namespace {

// "a link to 'nowhere', which does not exist", or "": create_directories
// says only "File exists" of a dangling link.
std::string dangling_link(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_symlink(p, ec) || std::filesystem::exists(p, ec))
    return "";
  return "it is a link to '" + std::filesystem::read_symlink(p, ec).string() +
         "', which does not exist";
}

} // namespace

void create_folder(const std::string& dir) {
  std::error_code ec;
  if (const std::string why = dangling_link(dir); !why.empty())
    throw CheckpointError("cannot create the folder " + dir + ": " + why);
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw CheckpointError("cannot create the folder " + dir + ": " + ec.message());
}

void require_folder_path(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty(); p = p.parent_path()) {
    if (const std::string why = dangling_link(p); !why.empty())
      throw UsageError(p.string() +
                       (p == fs::path(dir).lexically_normal() ? "" : " (in " + dir + ")") + ": " +
                       why);
    if (fs::exists(p, ec)) {
      if (!fs::is_directory(p, ec))
        throw UsageError(p.string() +
                         (p == fs::path(dir).lexically_normal() ? "" : " (in " + dir + ")") +
                         " is a file: the output is a folder of files");
      return;
    }
    if (p == p.parent_path())
      return;
  }
}

int remove_stale_temps(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d)
    return 0;
  int removed = 0;
  while (const dirent* e = ::readdir(d))
    if (writer_gone(temp_pid(e->d_name, nullptr, "")) &&
        ::unlink((dir + "/" + e->d_name).c_str()) == 0)
      ++removed;
  ::closedir(d);
  return removed;
}

} // namespace mae

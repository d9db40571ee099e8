// Runs a binary as a hostile-input case: its own process, a time limit and an
// address-space limit, so a regression to a hang or an allocation storm fails
// the case instead of taking the machine down. Output goes to files.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace mae::test {

// AddressSanitizer reserves terabytes of shadow address space, which an
// RLIMIT_AS forbids: under ASan the limit is ASan's own RSS limit instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

struct LimitedRun {
  int code = -1;  // exit status, or -1
  int signal = 0; // the signal that ended it (SIGKILL after the time limit)
  bool timed_out = false;
  double seconds = 0;
  std::string out, err;
};

inline std::string read_text(const std::string& path) {
  std::string s;
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return s;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    s.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return s;
}

// argv[0] is the binary. `memory_bytes` bounds its address space (RLIMIT_AS).
inline LimitedRun run_limited(const std::vector<std::string>& argv, const std::string& work_dir,
                              double timeout_s, size_t memory_bytes) {
  const std::string out = work_dir + "/stdout.txt", err = work_dir + "/stderr.txt";
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (kAddressSanitizer) {
      const std::string options =
          "detect_leaks=0:hard_rss_limit_mb=" + std::to_string(memory_bytes >> 20) +
          ":allocator_may_return_null=1";
      const char* given = std::getenv("ASAN_OPTIONS");
      ::setenv("ASAN_OPTIONS", (options + (given ? ":" + std::string(given) : "")).c_str(), 1);
    } else {
      const rlimit as{memory_bytes, memory_bytes};
      ::setrlimit(RLIMIT_AS, &as);
    }
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::dup2(in, 0);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  LimitedRun r;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid)
      break;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > timeout_s && !r.timed_out) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status))
    r.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

} // namespace mae::test

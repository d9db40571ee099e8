#include "dist/local_launch.h"

#include "base/errors.h"
#include "dist/dist_env.h"

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>

namespace mae {

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw UsageError(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok)
    throw UsageError(std::string("cannot find a free port on 127.0.0.1: ") + std::strerror(errno));
  return ntohs(addr.sin_port);
}

namespace {

std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "stopped";
}

// The stop signals the launcher passes on to its ranks.
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP};
volatile std::sig_atomic_t g_received = 0;

void on_stop_signal(int signal) {
  g_received = signal;
}

pid_t spawn(const std::vector<std::string>& argv, const DistEnv& env, int rank, int threads) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw UsageError(std::string("cannot start a worker process: ") + std::strerror(errno));
  if (pid > 0)
    return pid;
  // A group of its own: a terminal's Ctrl-C reaches the launcher alone, which
  // passes it on once (twice would kill instead of stopping at a step).
  ::setpgid(0, 0);
  // A launcher killed outright (SIGKILL, OOM) must not leave ranks training.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent)
    std::_Exit(1);
  for (const auto& [name, value] : dist_env_variables(env, rank))
    ::setenv(name.c_str(), value.c_str(), 1);
  ::setenv("MAE_THREADS", std::to_string(threads).c_str(), 0);
  for (int signal : kForwarded) // the launcher's handlers are not the worker's
    ::signal(signal, SIG_DFL);
  ::unsetenv("TORCHELASTIC_USE_AGENT_STORE");
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  std::fprintf(stderr, "mae: cannot run %s: %s\n", args[0], std::strerror(errno));
  std::_Exit(127);
}

} // namespace

LaunchResult launch_local(const std::vector<std::string>& argv, int nproc, int port, int grace_s) {
  if (argv.empty())
    throw UsageError("nothing to launch");
  DistEnv env;
  env.world_size = nproc;
  env.master_addr = "127.0.0.1";
  env.master_port = static_cast<uint16_t>(port);
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads = std::max(1, cores / nproc);
  // A stop signal (Ctrl-C, a scheduler's SIGTERM, SIGHUP) is passed on to
  // every rank, which stop together at a step; the launcher waits for them.
  struct sigaction forward {};
  forward.sa_handler = on_stop_signal;
  sigemptyset(&forward.sa_mask);
  struct sigaction old[std::size(kForwarded)];
  g_received = 0;
  for (size_t i = 0; i < std::size(kForwarded); ++i)
    ::sigaction(kForwarded[i], &forward, &old[i]);
  std::vector<pid_t> pids;
  for (int r = 0; r < nproc; ++r)
    pids.push_back(spawn(argv, env, r, threads));
  const auto signal_all = [&](int signal) {
    for (pid_t p : pids)
      if (p > 0)
        ::kill(p, signal);
  };
  LaunchResult result;
  int running = nproc;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    if (const int signal = g_received) {
      g_received = 0;
      signal_all(signal);
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      if (std::chrono::steady_clock::now() > deadline)
        signal_all(SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (pid < 0)
      break;
    const auto it = std::find(pids.begin(), pids.end(), pid);
    if (it == pids.end())
      continue;
    const int rank = static_cast<int>(it - pids.begin());
    *it = -1;
    --running;
    const bool exited = WIFEXITED(status);
    if (exited && WEXITSTATUS(status) == kStoppedExitCode) {
      result.stopped = true;
      continue;
    }
    const bool failed = !(exited && WEXITSTATUS(status) == 0);
    if (failed && result.exit_code == 0) {
      // The first failure is the cause; the others follow from it.
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      // A rank that exits says why itself; one killed (out of memory, say)
      // cannot. A hung rank makes the healthy ones fail first, on a timeout.
      result.message = "rank " + std::to_string(rank) + " of " + std::to_string(nproc) + " " +
                       describe_status(status) +
                       (exited ? " first (its message above says why; if that is a timeout, "
                                 "another rank hung)"
                               : " first (out of memory? see dmesg)") +
                       "; the other ranks were stopped";
      signal_all(SIGTERM);
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
    }
  }
  for (size_t i = 0; i < std::size(kForwarded); ++i)
    ::sigaction(kForwarded[i], &old[i], nullptr);
  return result;
}

} // namespace mae

// tests/tools/fixture_server.py as a child process: a local HTTP server on
// 127.0.0.1 serving `root` with the faults real downloads meet (see the
// script). Killed when this object goes.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace mae::test {

class FixtureServer {
public:
  // Requests are logged to `log` (one JSON line each: path, range).
  FixtureServer(const std::string& root, const std::string& log) {
    int fds[2];
    if (pipe(fds) != 0)
      throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      const std::string script = std::string(MAE_SOURCE_DIR) + "/tests/tools/fixture_server.py";
      execlp("python3", "python3", script.c_str(), root.c_str(), log.c_str(), nullptr);
      _exit(127);
    }
    close(fds[1]);
    std::string line;
    char c = 0;
    while (read(fds[0], &c, 1) == 1 && c != '\n')
      line += c;
    close(fds[0]);
    if (line.empty())
      throw std::runtime_error("the fixture server did not start");
    url_ = "http://127.0.0.1:" + line;
  }
  ~FixtureServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  const std::string& url() const { return url_; } // http://127.0.0.1:PORT

private:
  pid_t pid_ = -1;
  std::string url_;
};

} // namespace mae::test

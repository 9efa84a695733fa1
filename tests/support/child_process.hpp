#pragma once
// A child process for the kill tests, started with posix_spawn. If a failed check leaves it
// running, the destructor kills and reaps it, so that no worker outlives its test.
#include <optional>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <vector>

extern char** environ;

namespace minidl::testing {

class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> arguments) {
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + arguments.front());
  }
  ~ChildProcess() {
    if (status_) return;
    ::kill(pid_, SIGKILL);
    wait();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Its wait status once it has ended; nothing while it runs.
  std::optional<int> poll() {
    int status = 0;
    if (!status_ && ::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return status_;
  }
  // Waits for it to end; its wait status.
  int wait() {
    int status = 0;
    if (!status_ && ::waitpid(pid_, &status, 0) == pid_) status_ = status;
    return status_.value_or(-1);
  }
  int kill_now() {
    if (!status_) ::kill(pid_, SIGKILL);
    return wait();
  }

 private:
  pid_t pid_ = 0;
  std::optional<int> status_;
};

}  // namespace minidl::testing

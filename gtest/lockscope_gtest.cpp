// lockscope_gtest.cpp — see lockscope/gtest.h.

#include "lockscope/gtest.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lockscope/runtime_api.h"

extern char** environ;

namespace lockscope {
namespace gtest {
namespace {

bool Executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// $LOCKSCOPE_CLI, else <prefix>/bin/lockscope for the runtime at <prefix>/lib/liblockscope.so,
// else "lockscope" (looked up on PATH by posix_spawnp).
std::string FindCli() {
  const char* env = std::getenv("LOCKSCOPE_CLI");
  if (env != nullptr && *env != '\0') return env;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&LockscopeTestBegin), &info) != 0 &&
      info.dli_fname != nullptr) {
    std::string lib = info.dli_fname;
    size_t slash = lib.rfind('/');
    if (slash != std::string::npos) {
      std::string cli = lib.substr(0, slash) + "/../bin/lockscope";
      if (Executable(cli)) return cli;
    }
  }
  return "lockscope";
}

// The environment minus LD_PRELOAD: the analyzer must not trace itself into our trace dir.
std::vector<char*> ChildEnvironment() {
  std::vector<char*> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0) env.push_back(*e);
  }
  env.push_back(nullptr);
  return env;
}

// Runs `args` with stdout and stderr captured into *output. Returns the exit status, or -1.
int RunCapture(const std::vector<std::string>& args, std::string* output) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env = ChildEnvironment();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    *output = args[0] + ": " + std::strerror(rc);
    return -1;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n > 0) {
      output->append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class Listener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& info) override {
    begin_ = 0;
    if (&LockscopeTestBegin == nullptr) return;  // no runtime: a no-op
    name_ = std::string(info.test_suite_name()) + "." + info.name();
    begin_ = LockscopeTestBegin(name_.c_str());
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (begin_ == 0 || &LockscopeTestEnd == nullptr) return;
    uint64_t end = LockscopeTestEnd(name_.c_str(), info.result()->Failed() ? 1 : 0);
    if (end == 0 || end == begin_ + 1) return;  // nothing recorded during the test
    std::string report;
    int status = Analyze(begin_, end, &report);
    if (status == 1) {
      ADD_FAILURE() << "lockscope found problems left by " << name_ << ":\n" << report;
    } else if (status != 0) {
      std::fprintf(stderr, "lockscope: could not analyze %s (%s):\n%s", name_.c_str(),
                   status < 0 ? "the CLI did not run" : "analysis error", report.c_str());
    }
  }

 private:
  int Analyze(uint64_t begin, uint64_t end, std::string* report) {
    if (&LockscopeTracePath == nullptr) return -1;
    char path[4096];
    size_t len = LockscopeTracePath(path, sizeof(path));
    if (len == 0 || len >= sizeof(path)) return -1;
    std::vector<std::string> args = {FindCli(), "analyze", "--color", "never", "--test-window",
                                     std::to_string(begin) + ":" + std::to_string(end)};
    const char* supp = std::getenv("LOCKSCOPE_SUPPRESSIONS");
    for (std::string rest = supp != nullptr ? supp : ""; !rest.empty();) {
      size_t colon = rest.find(':');
      std::string file = rest.substr(0, colon);
      if (!file.empty()) args.insert(args.end(), {"--suppressions", file});
      rest = colon == std::string::npos ? "" : rest.substr(colon + 1);
    }
    args.push_back(path);
    return RunCapture(args, report);
  }

  uint64_t begin_ = 0;
  std::string name_;
};

}  // namespace

::testing::TestEventListener* NewListener() { return new Listener(); }

void InstallListener() {
  ::testing::UnitTest::GetInstance()->listeners().Append(NewListener());
}

}  // namespace gtest
}  // namespace lockscope

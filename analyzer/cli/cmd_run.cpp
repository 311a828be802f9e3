// cmd_run.cpp — `lockscope run -- PROG ARGS`: preload the runtime, run the program, then analyze
// every trace it wrote and print the report.
//
// Order matters: every check that can fail (program, runtime library, trace directory) runs before
// the program starts, so a mistake never costs a long run. The runtime's options come from
// flags.inc, the same X-macro table the runtime parses (STYLE habit 5): one command-line option per
// row, written into LOCKSCOPE_OPTIONS, never by hand.

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "command.h"
#include "dump_request.h"
#include "program_check.h"
#include "report_pipeline.h"
#include "runtime_options.h"

namespace lockscope {
namespace cli {
namespace {

// The value a user gave for one runtime flag on the command line.
struct RuntimeFlagValue {
  CLI::Option* option = nullptr;
  bool b = false;
  long long i = 0;
  std::string s;
};

constexpr const char* kRunHelpIntro =
    "Runs PROG with liblockscope.so preloaded, then analyzes the traces it (and every process it\n"
    "forks or execs) wrote and prints the report to stderr (or to --report FILE). Traces go to\n"
    "-o DIR, else to a fresh ${TMPDIR:-/tmp}/lockscope.XXXXXX; the last line names the directory.\n"
    "Every process PROG starts is traced too (one trace each, analyzed together, one report\n"
    "section per process), e.g. `lockscope run -- ctest -j2`; --only/--exclude GLOBS choose\n"
    "the executables (the others run untraced).\n"
    "SIGINT/SIGTERM are forwarded to PROG. The runtime library is $LOCKSCOPE_RUNTIME, else\n"
    "../lib/liblockscope.so next to this executable, else the install prefix's lib/.\n"
    "\n"
    "Examples:\n"
    "  lockscope run -- ./server --port 8080\n"
    "  lockscope run -o traces --timeout 30 --error-exitcode 66 -- ./tests\n"
    "\n"
    "Thread dumps (like jstack): `kill -62 PID` (--dump-signal, default 62 = SIGRTMAX-2) makes a\n"
    "traced process that has started a thread write every thread's state, held locks and stack\n"
    "into its trace and go on; `lockscope analyze` shows them. --timeout takes one of every\n"
    "traced process still running (at most 2 s) before it kills PROG.\n"
    "\n"
    "Exit status: PROG's own (128+N if it died of signal N; --timeout kills it with SIGKILL),\n"
    "or N when there are findings and --error-exitcode N is given; 2 for a usage or input error\n"
    "(missing or statically linked PROG, runtime not found, unwritable -o DIR); 3 internal "
    "error.\n";

std::string RunFooter() {
  std::string text = kRunHelpIntro;
  text +=
      "\nRuntime options (from flags.inc; set through LOCKSCOPE_OPTIONS=key=value:key=value,\n"
      "which the options above write; entries already in LOCKSCOPE_OPTIONS are kept):\n";
  for (const RuntimeFlag& f : kRuntimeFlags) {
    text +=
        fmt::format("  {:<18} {:<7} default {:<6} {}\n", f.name, f.type, f.default_value, f.help);
  }
  return text;
}

// --timeout: how long the thread dumps before the kill may take (dump_request.h).
constexpr double kDumpWaitSeconds = 2;

// Forwarding SIGINT/SIGTERM: the handler may only touch a sig_atomic_t and call kill(2).
volatile sig_atomic_t g_child_pid = 0;

void ForwardSignal(int sig, siginfo_t* info, void*) {
  // A terminal's ^C goes to the whole foreground process group (si_code SI_KERNEL): the program
  // already has it, and a second copy would look like a second ^C to it.
  if (info != nullptr && info->si_code == SI_KERNEL) return;
  if (g_child_pid > 0) kill(static_cast<pid_t>(g_child_pid), sig);
}

void SetForwarding(bool on) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sigemptyset(&sa.sa_mask);
  if (on) {
    sa.sa_sigaction = ForwardSignal;
    sa.sa_flags = SA_SIGINFO;
  } else {
    sa.sa_handler = SIG_DFL;  // analysis can be interrupted like any program
  }
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

double NowSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// True when LOCKSCOPE_OPTIONS (as passed to the program) turns recording off: the last
// "enabled=" entry wins, as in the runtime's parser.
bool RuntimeDisabled(const std::string& options) {
  bool disabled = false;
  size_t start = 0;
  while (start < options.size()) {
    size_t colon = options.find(':', start);
    if (colon == std::string::npos) colon = options.size();
    std::string entry = options.substr(start, colon - start);
    if (entry.rfind("enabled=", 0) == 0)
      disabled = entry == "enabled=0" || entry == "enabled=false";
    start = colon + 1;
  }
  return disabled;
}

// The program's status as a shell would report it.
int ExitStatusOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitInternal;
}

class RunCommand : public Command {
 public:
  RunCommand() : Command("run", "run a program under the lockscope runtime, then report", 10) {}

  void Setup(CLI::App* app) override;
  int Run() override;
  std::string ParseErrorHint() const override {
    return "options of the program go after --: lockscope run [OPTIONS] -- PROG [ARGS...]";
  }

 private:
  void AddRuntimeFlags(CLI::App* app);
  bool RuntimeOptionsEnv(std::string* value);
  pid_t StartChild(const std::string& resolved, const std::string& runtime,
                   const std::string& options_env);
  int WaitForChild(pid_t pid);

  ReportOptions report_options_;
  std::string trace_dir_arg_;
  std::string report_path_;
  double timeout_s_ = 0;
  int error_exitcode_ = -1;
  std::vector<std::string> command_;
  // Never resized: the CLI11 options point into it.
  std::vector<RuntimeFlagValue> flags_ = std::vector<RuntimeFlagValue>(kRuntimeFlagCount);
  std::string trace_dir_;
  std::set<std::string> earlier_traces_;  // traces already in -o DIR before this run
  int exec_error_fd_ = -1;
};

void RunCommand::Setup(CLI::App* app) {
  app->footer(RunFooter());
  AddReportOptions(app, &report_options_);
  app->add_option("-o,--trace-dir", trace_dir_arg_,
                  "write the traces to DIR (created if missing) instead of a fresh temp dir")
      ->type_name("DIR");
  app->add_option("--report", report_path_, "write the report to FILE instead of stderr")
      ->type_name("FILE");
  app->add_option("--timeout", timeout_s_,
                  "stop PROG if still running after SECONDS: a thread dump of every traced "
                  "process, then SIGKILL, then analyze what it recorded")
      ->type_name("SECONDS")
      ->check(CLI::Validator(
          [](std::string& text) {
            char* end = nullptr;
            double v = std::strtod(text.c_str(), &end);
            return *end == '\0' && v > 0 ? std::string() : "must be a positive number of seconds";
          },
          "SECONDS>0"));
  app->add_option("--error-exitcode", error_exitcode_,
                  "exit with N instead of PROG's status when there are findings")
      ->type_name("N")
      ->check(CLI::Range(0, 255));
  AddRuntimeFlags(app);
  app->add_option("PROG", command_, "the program and its arguments (after --)")
      ->type_name("")
      ->required();
}

// One option per flags.inc row: --stack-depth for stack_depth. A row whose name collides with a
// report option (verbose) becomes --runtime-<name>.
void RunCommand::AddRuntimeFlags(CLI::App* app) {
  for (size_t i = 0; i < kRuntimeFlagCount; ++i) {
    const RuntimeFlag& f = kRuntimeFlags[i];
    std::string name = "--" + RuntimeOptionName(f.name);
    if (app->get_option_no_throw(name) != nullptr) name = "--runtime-" + RuntimeOptionName(f.name);
    std::string help = fmt::format("runtime: {} (LOCKSCOPE_OPTIONS {}, default {})", f.help, f.name,
                                   f.default_value);
    RuntimeFlagValue& v = flags_[i];
    if (std::strcmp(f.type, "bool") == 0) {
      v.option = app->add_flag(name, v.b, help);
    } else if (std::strcmp(f.type, "int") == 0) {
      v.option = app->add_option(name, v.i, help)->type_name("N");
    } else {
      v.option = app->add_option(name, v.s, help)->type_name("VALUE");
    }
  }
}

bool RunCommand::RuntimeOptionsEnv(std::string* value) {
  std::vector<std::pair<std::string, std::string>> updates;
  for (size_t i = 0; i < kRuntimeFlagCount; ++i) {
    const RuntimeFlagValue& v = flags_[i];
    if (v.option == nullptr || v.option->count() == 0) continue;
    const char* type = kRuntimeFlags[i].type;
    std::string text = std::strcmp(type, "bool") == 0  ? (v.b ? "1" : "0")
                       : std::strcmp(type, "int") == 0 ? std::to_string(v.i)
                                                       : v.s;
    if (text.find_first_of(":=") != std::string::npos) {
      PrintError(fmt::format("{}: the value may not contain ':' or '='", v.option->get_name()));
      return false;
    }
    updates.emplace_back(kRuntimeFlags[i].name, text);
  }
  *value = MergeRuntimeOptions(std::getenv("LOCKSCOPE_OPTIONS"), updates);
  return true;
}

// fork + exec with the runtime's environment. An exec failure in the child is reported back
// through a close-on-exec pipe (the pipe closes unread when exec succeeds).
pid_t RunCommand::StartChild(const std::string& resolved, const std::string& runtime,
                             const std::string& options_env) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  std::string preload = runtime;
  for (const std::string& sanitizer : SanitizerRuntimesNeeded(resolved)) {
    preload = sanitizer + ":" + preload;  // by soname: the loader searches for it like DT_NEEDED
  }
  const char* old_preload = std::getenv("LD_PRELOAD");
  if (old_preload != nullptr && *old_preload != '\0') preload += std::string(":") + old_preload;
  std::string trace_pattern = trace_dir_ + "/%e.%p.lstrace";
  // For the GoogleTest listener (lockscope/gtest.h): this CLI, and the suppressions it applies.
  char self[4096];
  ssize_t self_len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string cli = self_len > 0 ? std::string(self, static_cast<size_t>(self_len)) : "";
  std::string suppressions;
  for (const std::string& file : report_options_.suppression_files) {
    char* real = realpath(file.c_str(), nullptr);
    suppressions += (suppressions.empty() ? "" : ":") + std::string(real != nullptr ? real : file);
    std::free(real);
  }
  std::vector<char*> argv;
  for (std::string& arg : command_) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // Single-threaded parent: setenv is safe between fork and exec.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("LOCKSCOPE_TRACE", trace_pattern.c_str(), 1);
    if (!cli.empty()) setenv("LOCKSCOPE_CLI", cli.c_str(), 1);
    if (!suppressions.empty()) setenv("LOCKSCOPE_SUPPRESSIONS", suppressions.c_str(), 1);
    if (options_env.empty()) {
      unsetenv("LOCKSCOPE_OPTIONS");
    } else {
      setenv("LOCKSCOPE_OPTIONS", options_env.c_str(), 1);
    }
    execv(resolved.c_str(), argv.data());
    int err = errno;
    ssize_t ignored = write(fds[1], &err, sizeof(err));
    (void)ignored;
    _exit(127);
  }
  close(fds[1]);
  exec_error_fd_ = fds[0];
  return pid;
}

int RunCommand::WaitForChild(pid_t pid) {
  g_child_pid = pid;
  const double deadline = NowSeconds() + timeout_s_;
  bool killed = false;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, timeout_s_ > 0 && !killed ? WNOHANG : 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (timeout_s_ > 0 && !killed && NowSeconds() >= deadline) {
      PrintNote(
          fmt::format("{} still running after {} s; stopping it and analyzing what it "
                      "recorded",
                      command_[0], timeout_s_));
      // A thread dump of every traced process first (the runtime's answer to its dump signal):
      // what each thread was doing and where, running threads included.
      RequestThreadDumps(trace_dir_, earlier_traces_, kDumpWaitSeconds);
      kill(pid, SIGKILL);
      killed = true;
    }
    if (timeout_s_ > 0 && !killed) {
      struct timespec ts = {0, 10 * 1000 * 1000};  // 10 ms: coarse polling is fine here
      nanosleep(&ts, nullptr);
    }
  }
  g_child_pid = 0;
  return status;
}

int RunCommand::Run() {
  std::string resolved, runtime, options_env, error;
  if (!CheckProgram(command_[0], &resolved, &error) || !FindRuntime(&runtime, &error) ||
      !PrepareTraceDir(trace_dir_arg_, &trace_dir_, &error)) {
    PrintError(error);
    return kExitUsage;
  }
  if (!RuntimeOptionsEnv(&options_env) || !LoadReportSuppressions(&report_options_)) {
    return kExitUsage;
  }
  for (const std::string* path :
       {&report_path_, &report_options_.dot_path, &report_options_.svg_path,
        &report_options_.html_path}) {
    if (!path->empty() && !CheckWritable(*path)) return kExitUsage;
  }
  // Traces already in a reused -o DIR belong to earlier runs: report only this run's.
  std::set<std::string> earlier = ListTraceFiles(trace_dir_);
  earlier_traces_ = earlier;

  SetForwarding(true);
  pid_t pid = StartChild(resolved, runtime, options_env);
  int status = WaitForChild(pid);
  SetForwarding(false);
  int exec_errno = 0;
  bool exec_failed = read(exec_error_fd_, &exec_errno, sizeof(exec_errno)) ==
                     static_cast<ssize_t>(sizeof(exec_errno));
  close(exec_error_fd_);
  if (exec_failed) {
    PrintError(command_[0] + ": cannot execute: " + std::strerror(exec_errno));
    return kExitUsage;
  }

  std::vector<std::string> files;
  for (const std::string& name : ListTraceFiles(trace_dir_)) {
    if (earlier.count(name) == 0) files.push_back(trace_dir_ + "/" + name);
  }
  if (files.empty() && (options_env.find("only=") != std::string::npos ||
                        options_env.find("exclude=") != std::string::npos)) {
    PrintNote("no process matched --only/--exclude: nothing recorded, nothing to analyze");
    return ExitStatusOf(status);
  }
  if (files.empty() && RuntimeDisabled(options_env)) {
    PrintNote("the runtime was disabled (enabled=0): nothing recorded, nothing to analyze");
    return ExitStatusOf(status);
  }
  if (files.empty()) {
    PrintError(
        fmt::format("{} wrote no trace to {} (the runtime was not loaded: a setuid or "
                    "statically linked program?)",
                    command_[0], trace_dir_));
    return kExitUsage;
  }
  PipelineResult result = AnalyzeAndReport(files, report_options_, report_path_, stderr);
  PrintNote("trace files in " + trace_dir_);
  if (result.traces_read == 0) return kExitUsage;
  if (result.findings > 0 && error_exitcode_ >= 0) return error_exitcode_;
  return ExitStatusOf(status);
}

RunCommand g_run_command;

}  // namespace
}  // namespace cli
}  // namespace lockscope

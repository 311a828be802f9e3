// command.h — the `lockscope` subcommand registry (rr's Command + singleton per command).
//
// What: every subcommand is one Command object defined in its own cmd_<name>.cpp, next to its help
// text; it registers itself at static-initialization time (the objects are linked straight into
// the executable, so none is dropped). main.cpp turns the registry into CLI11 subcommands, parses,
// and calls Run() on the one the user chose.
// Errors: commands report a usage or input problem as exactly one line via PrintError() and
// return kExitUsage; they may throw only for internal errors (main maps those to kExitInternal).
// Thread-safety: single-threaded program; the registry is filled before main() and then read-only.

#ifndef LOCKSCOPE_ANALYZER_CLI_COMMAND_H_
#define LOCKSCOPE_ANALYZER_CLI_COMMAND_H_

#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace lockscope {
namespace cli {

// Process exit codes (README "Exit codes"; also printed by `lockscope --help`).
enum ExitCode : int {
  kExitOk = 0,        // no findings (run: the program's own status)
  kExitFindings = 1,  // findings reported
  kExitUsage = 2,     // usage or input error, one line on stderr
  kExitInternal = 3,  // internal error
};

inline constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0  no findings (run: the program's exit status, 128+N if it died of signal N)\n"
    "  1  findings (run: N with --error-exitcode N)\n"
    "  2  usage or input error (one line on stderr)\n"
    "  3  internal error\n";

class Command {
 public:
  // `rank` orders the commands in `lockscope --help`.
  Command(const char* name, const char* summary, int rank);
  virtual ~Command() = default;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  const char* name() const { return name_; }
  const char* summary() const { return summary_; }
  int rank() const { return rank_; }

  // Declares the options and help text on `app`, the command's CLI11 subcommand. Called once.
  virtual void Setup(CLI::App* app) = 0;
  // Runs after a successful parse; returns the process exit code.
  virtual int Run() = 0;

  // A command that answers true gets everything after the first "--" through SetTrailingArgs()
  // instead of CLI11 (`lockscope static FILE... -- COMPILER_FLAGS`); CLI11 cannot tell the
  // positionals before "--" from those after it.
  virtual bool TakesTrailingArgs() const { return false; }
  void SetTrailingArgs(std::vector<std::string> args) { trailing_args_ = std::move(args); }

  // Appended to a CLI11 parse error about this command, instead of "see 'lockscope help CMD'".
  virtual std::string ParseErrorHint() const { return ""; }

  // Every registered command, sorted by rank.
  static std::vector<Command*> All();

 protected:
  std::vector<std::string> trailing_args_;

 private:
  const char* name_;
  const char* summary_;
  int rank_;
};

// "lockscope: error: <message>" on stderr. Newlines in `message` become "; " so that every error
// stays one line.
void PrintError(const std::string& message);
// "lockscope: <message>" on stderr (notes and progress).
void PrintNote(const std::string& message);

// The version line: "lockscope 0.1.0 (trace format v1)".
std::string VersionString();

}  // namespace cli
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CLI_COMMAND_H_

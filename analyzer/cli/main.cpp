// main.cpp — `lockscope`: dispatch only. Builds one CLI11 subcommand per registered Command,
// parses, runs the chosen one, and maps every way out to the documented exit codes:
// parse errors -> 2 with one line (never CLI11's own codes or its multi-line dump),
// exceptions -> 3 ("lockscope: internal error: ...").

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "command.h"

namespace lockscope {
namespace cli {
namespace {

constexpr const char* kMainHelp =
    "lockscope records the lock order of an unmodified program (LD_PRELOAD=liblockscope.so) and\n"
    "reports potential deadlocks (lock-order cycles, even when the run did not hang) and lock API\n"
    "misuse, with lock names and stacks.\n"
    "\n"
    "  lockscope run -- ./prog args      trace a program, then print the report\n"
    "  lockscope analyze TRACE_OR_DIR    report on existing traces\n"
    "  lockscope dump TRACE              print every decoded item of a trace\n"
    "  lockscope help CMD                the options of one command\n";

Command* FindCommand(const std::string& name) {
  for (Command* command : Command::All()) {
    if (name == command->name()) return command;
  }
  return nullptr;
}

// For a command that takes trailing arguments, hands it everything after the first "--" and
// returns the argc CLI11 should see.
int SplitTrailingArgs(Command* command, int argc, char** argv) {
  if (command == nullptr || !command->TakesTrailingArgs()) return argc;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      command->SetTrailingArgs(std::vector<std::string>(argv + i + 1, argv + argc));
      return i;
    }
  }
  return argc;
}

int Dispatch(int argc, char** argv) {
  CLI::App app(kMainHelp, "lockscope");
  app.set_version_flag("--version", VersionString());
  app.require_subcommand(1);
  app.footer(kExitCodesHelp);
  for (Command* command : Command::All()) {
    command->Setup(app.add_subcommand(command->name(), command->summary()));
  }
  Command* chosen = argc > 1 ? FindCommand(argv[1]) : nullptr;
  // CLI11 would say "A subcommand is required" without naming the word it did not know.
  if (argc > 1 && argv[1][0] != '-' && chosen == nullptr) {
    PrintError(std::string("unknown command '") + argv[1] + "' (see 'lockscope --help')");
    return kExitUsage;
  }
  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] == '-' && first != "-h" && first != "--help" &&
      first != "--version") {
    PrintError("unknown option '" + first +
               "': options go after the command (see 'lockscope --help')");
    return kExitUsage;
  }
  argc = SplitTrailingArgs(chosen, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string hint = chosen != nullptr ? chosen->ParseErrorHint() : "";
    if (hint.empty()) {
      hint = chosen != nullptr ? std::string("see 'lockscope help ") + chosen->name() + "'"
                               : "see 'lockscope --help'";
    }
    PrintError(std::string(e.what()) + " (" + hint + ")");
    return kExitUsage;
  }
  for (Command* command : Command::All()) {
    if (app.got_subcommand(command->name())) return command->Run();
  }
  PrintError("no command given (see 'lockscope --help')");
  return kExitUsage;
}

}  // namespace
}  // namespace cli
}  // namespace lockscope

int main(int argc, char** argv) {
  try {
    return lockscope::cli::Dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "lockscope: internal error: %s\n", e.what());
  } catch (...) {
    std::fflush(stdout);
    std::fprintf(stderr, "lockscope: internal error: unknown exception\n");
  }
  return lockscope::cli::kExitInternal;
}

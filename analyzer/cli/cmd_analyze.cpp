// cmd_analyze.cpp — `lockscope analyze`: traces in, report out.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "command.h"
#include "report_pipeline.h"

namespace lockscope {
namespace cli {
namespace {

constexpr const char* kAnalyzeHelp =
    "Reads the traces written by liblockscope.so (by `lockscope run`, or by a program started\n"
    "with LD_PRELOAD=liblockscope.so), finds lock-order cycles and API misuse, and prints one\n"
    "report for all of them. A TRACE may be a directory: every *.lstrace* file in it is read.\n"
    "A damaged trace is analyzed as far as it can be read; the report says what was lost.\n"
    "Thread dumps in a trace (`kill -62 PID` of a program under the runtime, or `lockscope run\n"
    "--timeout`) follow the findings: every thread's state, held locks and stack (the last 5 per\n"
    "process in text; JSON and --html have all).\n"
    "\n"
    "STD traces (--input-format std, or files named *.std): one event per line,\n"
    "THREAD|OP(ARG)|LOC with OP acq rel req fork join wait notify notifyAll r w (and RAPID's\n"
    "begin end branch enter exit, ignored). Monitors are reentrant; wait(L) releases L and\n"
    "re-takes it; fork/join order threads. A line that does not parse stops the read: the\n"
    "events before it are analyzed, the line is named on stderr and the exit code is 2.\n"
    "\n"
    "Examples:\n"
    "  lockscope analyze lockscope-out/\n"
    "  lockscope analyze --format json -o report.json prog.1234.lstrace\n"
    "  lockscope analyze --input-format std --suppressions known.supp benchmark.txt\n"
    "\n"
    "Exit codes: 0 no findings, 1 findings, 2 usage or input error (an unreadable trace, an\n"
    "unwritable -o FILE), 3 internal error.\n";

class AnalyzeCommand : public Command {
 public:
  AnalyzeCommand() : Command("analyze", "find deadlock hazards in trace files", 20) {}

  void Setup(CLI::App* app) override {
    app->footer(kAnalyzeHelp);
    AddReportOptions(app, &options_);
    app->add_option("--input-format", options_.input_format,
                    "lstrace: traces written by liblockscope.so; std: the STD text format of "
                    "RAPID and the deadlock-prediction literature (THREAD|OP(ARG)|LOC); auto: "
                    "files named *.std are STD, the rest lstrace")
        ->check(CLI::IsMember({"auto", "lstrace", "std"}))
        ->default_str("auto");
    app->add_option("--test-window", test_window_,
                    "report only what one unit test produced: BEGIN:END are the seqs its "
                    "kTestBegin/kTestEnd markers returned (lockscope/runtime_api.h; the "
                    "GoogleTest listener passes them): lock-order cycles that closed in it and "
                    "threads it left neither joined nor detached")
        ->type_name("BEGIN:END");
    app->add_option("-o,--output", output_, "write the report to FILE instead of stdout")
        ->type_name("FILE");
    app->add_option("TRACE", traces_, "trace files or directories of trace files")
        ->type_name("")
        ->required();
  }

  int Run() override {
    if (!LoadReportSuppressions(&options_)) return kExitUsage;
    if (!test_window_.empty() && !ParseWindow()) return kExitUsage;
    for (const std::string* path : {&output_, &options_.dot_path, &options_.svg_path, &options_.html_path}) {
      if (!path->empty() && !CheckWritable(*path)) return kExitUsage;
    }
    bool ok = true;
    std::vector<std::string> files = ExpandTraceArgs(traces_, &ok);
    PipelineResult result;
    if (!files.empty()) result = AnalyzeAndReport(files, options_, output_, stdout);
    if (!ok || result.input_error) return kExitUsage;
    return result.findings > 0 ? kExitFindings : kExitOk;
  }

 private:
  bool ParseWindow() {
    unsigned long long begin = 0, end = 0;
    char tail = 0;
    if (std::sscanf(test_window_.c_str(), "%llu:%llu%c", &begin, &end, &tail) != 2 ||
        begin >= end) {
      PrintError("--test-window " + test_window_ +
                 ": expected BEGIN:END, two marker seqs with BEGIN < END");
      return false;
    }
    options_.test_window_begin = begin;
    options_.test_window_end = end;
    return true;
  }

  std::string test_window_;
  ReportOptions options_;
  std::string output_;
  std::vector<std::string> traces_;
};

AnalyzeCommand g_analyze_command;

}  // namespace
}  // namespace cli
}  // namespace lockscope

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
    "\n"
    "Examples:\n"
    "  lockscope analyze lockscope-out/\n"
    "  lockscope analyze --format json -o report.json prog.1234.lstrace\n"
    "\n"
    "Exit codes: 0 no findings, 1 findings, 2 usage or input error (an unreadable trace, an\n"
    "unwritable -o FILE), 3 internal error.\n";

class AnalyzeCommand : public Command {
 public:
  AnalyzeCommand() : Command("analyze", "find deadlock hazards in trace files", 20) {}

  void Setup(CLI::App* app) override {
    app->footer(kAnalyzeHelp);
    AddReportOptions(app, &options_);
    app->add_option("-o,--output", output_, "write the report to FILE instead of stdout")
        ->type_name("FILE");
    app->add_option("TRACE", traces_, "trace files or directories of trace files")
        ->type_name("")
        ->required();
  }

  int Run() override {
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
  ReportOptions options_;
  std::string output_;
  std::vector<std::string> traces_;
};

AnalyzeCommand g_analyze_command;

}  // namespace
}  // namespace cli
}  // namespace lockscope

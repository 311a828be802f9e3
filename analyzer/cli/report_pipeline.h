// report_pipeline.h — trace files in, rendered report out: the part `analyze` and `run` share.
//
// What: expands TRACE arguments (a file, or a directory = every *.lstrace* file in it, sorted),
// reads each trace, runs analysis::Analyze over the readable ones, renders text, JSON or SARIF
// (plus the optional DOT/SVG lock graph and HTML report) and writes it to a file or a stream.
// Failure semantics: every unreadable input or unwritable output is one PrintError() line and
// makes the result an input error (exit 2); the traces that were readable are still analyzed and
// reported. Nothing here throws for bad input.

#ifndef LOCKSCOPE_ANALYZER_CLI_REPORT_PIPELINE_H_
#define LOCKSCOPE_ANALYZER_CLI_REPORT_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "static_merge.h"
#include "suppressions.h"

namespace CLI {
class App;
}  // namespace CLI

namespace lockscope {
namespace analysis {
struct Report;
}  // namespace analysis

namespace cli {

// The report options shared by `analyze` and `run` (one definition, one help text).
struct ReportOptions {
  std::string format = "text";  // text | json | sarif
  std::string color = "auto";   // auto | always | never (text only)
  bool verbose = false;
  std::string sysroot;
  std::vector<std::string> debug_paths;
  std::string dot_path;  // also write the lock graph as DOT here
  std::string svg_path;  // also write the lock graph as SVG here
  std::string html_path;  // also write the self-contained HTML report here
  bool full_graph = false;  // graphs draw the whole lock graph, not only the findings' area
  std::string group = "instance";  // instance | class (lockdep lock classes, lock_classes.h)
  bool contention = false;   // contention profile: table (text) + kContention findings
  size_t contention_top = 20;  // rows of the contention table
  uint64_t test_window_begin = 0;  // analyze --test-window BEGIN:END (analysis::AnalyzeOptions)
  uint64_t test_window_end = 0;
  std::string input_format = "auto";  // auto | lstrace | std (analyze only; auto: *.std is STD)
  std::vector<std::string> suppression_files;  // --suppressions FILE (repeatable)
  analysis::Suppressions suppressions;         // loaded by LoadReportSuppressions
  std::string static_path;  // --static FINDINGS.json (`lockscope static --format json`)
  std::vector<analysis::StaticFinding> static_findings;  // loaded by LoadReportSuppressions
};

// All of the above. AddRenderOptions adds only format/color/verbose/dot/svg/html/full-graph (for
// `static`, which has no traces to symbolize).
void AddReportOptions(CLI::App* app, ReportOptions* options);
void AddRenderOptions(CLI::App* app, ReportOptions* options);

// Reads every --suppressions file into options->suppressions, and the --static findings file
// into options->static_findings. One error line ("FILE:LINE: problem") and false on the first
// unreadable or malformed file. Call before any long work.
bool LoadReportSuppressions(ReportOptions* options);

// Files named by `args`; for a directory, its *.lstrace* regular files in name order. A missing
// path or a directory without traces is one error line and sets *ok to false.
std::vector<std::string> ExpandTraceArgs(const std::vector<std::string>& args, bool* ok);

struct PipelineResult {
  bool input_error = false;  // some input could not be read or the output could not be written
  size_t findings = 0;
  size_t traces_read = 0;
};

// Checks early (before a long run or analysis) that `path` can be written: creates it if missing,
// without truncating an existing file. One error line and false if not.
bool CheckWritable(const std::string& path);

// Renders `report` (and the optional lock graph) to `out_path`, or to `stream` when it is empty.
// Returns false after one error line when an output cannot be written.
bool RenderReport(const analysis::Report& report, const ReportOptions& options,
                  const std::string& out_path, std::FILE* stream);

// Reads, analyzes, applies options.suppressions and renders `files`. The report goes to `out_path` when it is not empty, else to
// `stream` (colour "auto" then means isatty(stream)).
PipelineResult AnalyzeAndReport(const std::vector<std::string>& files, const ReportOptions& options,
                                const std::string& out_path, std::FILE* stream);

}  // namespace cli
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CLI_REPORT_PIPELINE_H_

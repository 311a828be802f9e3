// report_pipeline.cpp — see report_pipeline.h.

#include "report_pipeline.h"

#include "progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "analyze.h"
#include "command.h"
#include "contention_table.h"
#include "dot_graph.h"
#include "html_report.h"
#include "json_report.h"
#include "sarif_report.h"
#include "std_trace_reader.h"
#include "text_report.h"
#include "trace_reader.h"

namespace lockscope {
namespace cli {
namespace {

namespace fs = std::filesystem;

bool IsTraceName(const std::string& name) { return name.find(".lstrace") != std::string::npos; }

// Writes `bytes` to `path` in one go; one error line on failure.
bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    PrintError(path + ": cannot write: " + std::strerror(errno));
    return false;
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) {
    PrintError(path + ": write failed: " + std::strerror(errno));
    return false;
  }
  return true;
}

bool IsStdInput(const std::string& format, const std::string& path) {
  if (format == "std") return true;
  if (format != "auto") return false;
  return path.size() > 4 && path.compare(path.size() - 4, 4, ".std") == 0;
}

bool UseColor(const std::string& mode, const std::string& out_path, std::FILE* stream) {
  if (mode == "always") return true;
  if (mode == "never" || !out_path.empty()) return false;
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org
  if (no_color != nullptr && *no_color != '\0') return false;
  return isatty(fileno(stream)) == 1;
}

bool WriteGraphs(const analysis::Report& report, const ReportOptions& options) {
  bool ok = true;
  if (!options.html_path.empty()) {
    viz::HtmlOptions html;
    html.read_source = viz::FileSourceReader();
    html.full_graph = options.full_graph;
    ok = WriteFile(options.html_path, viz::RenderHtml(report, html)) && ok;
  }
  if (options.dot_path.empty() && options.svg_path.empty()) return ok;
  viz::DotOptions dot_options;
  dot_options.full_graph = options.full_graph;
  std::string dot = viz::RenderDot(report, dot_options);
  if (!options.dot_path.empty()) ok = WriteFile(options.dot_path, dot) && ok;
  if (!options.svg_path.empty()) {
    std::string svg, error;
    if (!viz::RenderSvg(dot, &svg, &error)) {
      PrintError(options.svg_path + ": " + error);
      return false;
    }
    ok = WriteFile(options.svg_path, svg) && ok;
  }
  return ok;
}

}  // namespace

bool CheckWritable(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    PrintError(path + ": cannot write: " + std::strerror(errno));
    return false;
  }
  close(fd);
  return true;
}

void AddReportOptions(CLI::App* app, ReportOptions* options) {
  AddRenderOptions(app, options);
  app->add_option("--sysroot", options->sysroot,
                  "look for the traced program's modules under DIR (traces from another machine)")
      ->type_name("DIR");
  app->add_option("--debug-path", options->debug_paths,
                  "extra directory with separate debug info (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false);  // one DIR per occurrence: never swallow the TRACE arguments
  app->add_option("--group", options->group,
                  "instance: one lock per object; class: fold locks created or first locked at "
                  "the same place into one class (lockdep), so many objects with the same "
                  "pattern give one finding")
      ->check(CLI::IsMember({"instance", "class"}))
      ->default_str("instance");
  app->add_flag("--contention", options->contention,
                "also print the per-lock contention profile (acquisitions, waits, sampled hold "
                "times, owner changes) and report hot locks");
  app->add_option("--contention-top", options->contention_top,
                  "rows of the contention profile (default 20)")
      ->type_name("N");
}

void AddRenderOptions(CLI::App* app, ReportOptions* options) {
  app->add_option("--format", options->format, "report format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->default_str("text");
  app->add_option("--color", options->color, "colour the text report (auto: when a terminal)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto");
  app->add_flag("-v,--verbose", options->verbose,
                "also list suppressed candidates with their reasons, and per-trace notes");
  app->add_option("--dot", options->dot_path, "also write the lock graph as Graphviz DOT")
      ->type_name("FILE");
  app->add_option("--svg", options->svg_path, "also write the lock graph as SVG")
      ->type_name("FILE");
  app->add_option("--html", options->html_path,
                  "also write a self-contained HTML report (findings, stacks, source, graphs)")
      ->type_name("FILE");
  app->add_flag("--full-graph", options->full_graph,
                "graphs show every lock, not only the findings and their neighbours");
  app->add_option("--suppressions", options->suppression_files,
                  "drop the findings matched by the rules in FILE (repeatable; lines "
                  "[KIND:]FIELD:GLOB with FIELD fun, file, module, lock or thread, e.g. "
                  "lock-order-inversion:fun:*Backend::*; # comments); they are counted in the "
                  "summary and listed with -v and in JSON")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app->add_option("--static", options->static_path,
                  "merge the findings of `lockscope static --format json -o FILE`: mark the "
                  "dynamic findings the source confirms, list the static-only ones and draw "
                  "their edges dashed in the lock graph")
      ->type_name("FINDINGS.json");
}

bool LoadReportSuppressions(ReportOptions* options) {
  if (!options->static_path.empty()) {
    std::string error;
    if (!analysis::LoadStaticFindings(options->static_path, &options->static_findings, &error)) {
      PrintError(error);
      return false;
    }
  }
  for (const std::string& path : options->suppression_files) {
    std::string error;
    if (!analysis::LoadSuppressions(path, &options->suppressions, &error)) {
      PrintError(error);
      return false;
    }
  }
  return true;
}

std::vector<std::string> ExpandTraceArgs(const std::vector<std::string>& args, bool* ok) {
  std::vector<std::string> files;
  for (const std::string& arg : args) {
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      PrintError(arg + ": no such file or directory");
      *ok = false;
    } else if (fs::is_directory(st)) {
      std::vector<std::string> found;
      for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code file_ec;
        if (IsTraceName(it->path().filename().string()) && it->is_regular_file(file_ec)) {
          found.push_back(it->path().string());
        }
      }
      if (ec) {
        PrintError(arg + ": cannot list directory: " + ec.message());
        *ok = false;
      } else if (found.empty()) {
        PrintError(arg + ": directory holds no trace files (*.lstrace*)");
        *ok = false;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(arg);  // ReadTrace says what is wrong with it, if anything
    }
  }
  return files;
}

bool RenderReport(const analysis::Report& report_in, const ReportOptions& options,
                  const std::string& out_path, std::FILE* stream) {
  analysis::Report report = report_in;
  if (report.tool_version.empty()) report.tool_version = LOCKSCOPE_VERSION;
  std::string bytes;
  if (options.format == "json") {
    bytes = viz::RenderJson(report);
  } else if (options.format == "sarif") {
    bytes = viz::RenderSarif(report);
  } else {
    viz::TextOptions text;
    text.color = UseColor(options.color, out_path, stream);
    text.verbose = options.verbose;
    bytes = viz::RenderText(report, text);
    if (options.contention) bytes += viz::RenderContentionTable(report, options.contention_top);
  }
  bool ok = true;
  if (!out_path.empty()) {
    ok = WriteFile(out_path, bytes);
  } else {
    std::fflush(stdout);
    std::fwrite(bytes.data(), 1, bytes.size(), stream);
    std::fflush(stream);
  }
  return WriteGraphs(report, options) && ok;
}

PipelineResult AnalyzeAndReport(const std::vector<std::string>& files, const ReportOptions& options,
                                const std::string& out_path, std::FILE* stream) {
  PipelineResult result;
  Progress progress;  // a line on stderr (a terminal only) once this takes more than a second
  std::vector<analysis::Trace> traces;
  for (const std::string& path : files) {
    progress.Stage("reading trace " + std::to_string(traces.size() + 1) + "/" +
                   std::to_string(files.size()) + ": " + path);
    analysis::Trace trace;
    std::string error;
    if (IsStdInput(options.input_format, path)) {
      if (!analysis::ReadStdTrace(path, &trace, &error)) {
        PrintError(error);
        result.input_error = true;
        continue;
      }
      if (!error.empty()) {  // a bad line: analyze what came before it, but say so and fail
        PrintError(error);
        result.input_error = true;
      }
    } else if (!analysis::ReadTrace(path, &trace, &error)) {
      PrintError(error.empty() ? path + ": cannot read trace" : error);
      result.input_error = true;
      continue;
    }
    traces.push_back(std::move(trace));
  }
  result.traces_read = traces.size();
  if (traces.empty()) {
    result.input_error = true;
    return result;
  }
  analysis::AnalyzeOptions analyze_options;
  analyze_options.sysroot = options.sysroot;
  analyze_options.debug_paths = options.debug_paths;
  analyze_options.contention = options.contention;
  analyze_options.group_by_class = options.group == "class";
  analyze_options.test_window_begin = options.test_window_begin;
  analyze_options.test_window_end = options.test_window_end;
  analyze_options.graph_view =
      !options.svg_path.empty() || !options.html_path.empty() || !options.dot_path.empty();
  progress.Stage("analyzing " + std::to_string(traces.size()) + " trace(s)");
  analysis::Report report = analysis::Analyze(traces, analyze_options);
  if (!options.static_path.empty()) analysis::MergeStaticFindings(options.static_findings, &report);
  analysis::ApplySuppressions(options.suppressions, &report);
  result.findings = report.findings.size();
  progress.Finish();  // the report starts on a clean line
  if (!RenderReport(report, options, out_path, stream)) result.input_error = true;
  return result;
}

}  // namespace cli
}  // namespace lockscope

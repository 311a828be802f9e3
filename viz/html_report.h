// html_report.h — the report as one self-contained HTML page: opens offline, no external scripts,
// styles or fonts (inline CSS, inline SVG, no JavaScript at all).
//
// Page: a header naming the program and traces; a summary table of the findings (kind, severity,
// one line each, linked); per finding its story, the locks, the threads (with where each was
// created), the lockdep-style scenario, every edge's two stacks with a few source lines around
// each frame when the source file is readable, and the SVG lock graph of that finding alone
// (dot_graph.h; tooltips keep the full stacks); then the whole lock graph, the suppressed
// candidates with their reasons, trace notes and the SUMMARY line.
// Escaping: every program-derived string (symbols, files, thread and lock names, source lines) goes
// through EscapeXml (escape.h); the embedded SVG is Graphviz output, which escapes its own text.
// Source files are read only through HtmlOptions::read_source, so the renderer has no I/O of its
// own and tests can feed it hostile "source". Not thread-safe (RenderSvg uses libgvc).

#ifndef LOCKSCOPE_VIZ_HTML_REPORT_H_
#define LOCKSCOPE_VIZ_HTML_REPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "findings.h"

namespace lockscope {
namespace viz {

// Reads the lines of a source file (without newlines). Returns false when it cannot be read.
using SourceReader = std::function<bool(const std::string& path, std::vector<std::string>* lines)>;

struct HtmlOptions {
  SourceReader read_source;    // empty: no source context
  int context_lines = 2;       // lines shown before and after each frame's line
  int source_frames = 3;       // frames per stack that get source context
  bool full_graph = false;     // the whole-report graph draws all of Report::graph
};

std::string RenderHtml(const analysis::Report& report, const HtmlOptions& options);

// A SourceReader over the local file system (at most 4 MiB per file).
SourceReader FileSourceReader();

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_HTML_REPORT_H_

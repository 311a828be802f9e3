// dot_graph.h — the lock graph of a Report as Graphviz DOT, and DOT rendered to SVG in-process
// with libgvc (same output as `dot -Tsvg`, no program needed in PATH).
//
// What is drawn: one node per lock that appears in a finding or a suppressed candidate (name, kind,
// process); one edge per EdgeEvidence ("B acquired while holding A"), labelled with the thread,
// the acquisition site and the count. Edges of each reported cycle are red, bold and numbered in
// cycle order ("1/2", "2/2"); edges of suppressed candidates are dashed grey with the reason;
// the tooltip of every edge and node carries its full symbolized stacks. A legend subgraph says
// what the colours mean.
// Escaping: every string from the traced program (symbols, files, lock and thread names) is escaped
// for DOT here; Graphviz then escapes it for SVG/XML.
// Thread-safety: RenderDot is pure. RenderSvg creates its own GVC context per call (libgvc keeps
// global state; serialize calls externally).

#ifndef LOCKSCOPE_VIZ_DOT_GRAPH_H_
#define LOCKSCOPE_VIZ_DOT_GRAPH_H_

#include <string>

#include "findings.h"

namespace lockscope {
namespace viz {

std::string RenderDot(const analysis::Report& report);

// Lays out `dot` with the "dot" engine and renders SVG. Returns false with a one-line `error` if
// Graphviz rejects the input or has no SVG renderer installed.
bool RenderSvg(const std::string& dot, std::string* svg, std::string* error);

// Escapes a string for use inside a double-quoted DOT string (quotes, backslashes, newlines,
// control bytes; invalid UTF-8 bytes replaced with U+FFFD).
std::string EscapeDot(const std::string& s);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_DOT_GRAPH_H_

// dot_graph.h — the lock graph of a Report as Graphviz DOT, and DOT rendered to SVG in-process
// with libgvc (same output as `dot -Tsvg`, no program needed in PATH).
//
// What is drawn, so that the picture explains the bug without the text report:
// - one node per lock (name, kind, process when several; "×N instances" when grouped by class);
//   locks of a reported cycle are filled red, locks of other findings orange;
// - one edge per EdgeEvidence ("B acquired while holding A"), labelled with the thread, the
//   access modes, the acquisition site and the count. Edges of each reported cycle are red, bold
//   and numbered in cycle order ("cycle 1 · 1/2"); a read->write upgrade is an orange self-loop
//   "read → write"; a recursive read is a purple self-loop "read → read"; other finding kinds get
//   their own colour and their kind name (generic: every FindingKind is drawn from its fields);
// - edges of suppressed candidates dashed grey, labelled with the reason;
// - edges of Report::graph (the whole lock graph, when the analyzer fills it): grey, with the
//   threads that took them; wait time (contention) as pen width and a yellow-to-red colour;
// - tooltips (SVG <title>) with the full symbolized stacks, and a legend.
// Size: by default only the findings' locks and their direct neighbours in Report::graph are
// drawn (the graph label says how many were left out); DotOptions::full_graph draws everything.
// More than kMaxDrawnLocks locks are folded into groups of locks named alike (graph_fold.h), the
// findings' locks staying drawn one by one, so any graph lays out in about a second
// (bench/graph_render.sh). Above kLargeGraphNodes nodes or kLargeGraphEdges edges, labels are shortened and the layout
// switches to sfdp (the `dot` engine takes minutes from ~1000 labelled nodes).
// Escaping: every string from the traced program is escaped for DOT here (EscapeDot); Graphviz
// then escapes it for SVG/XML.
// Thread-safety: RenderDot is pure. RenderSvg creates its own GVC context per call (libgvc keeps
// global state; serialize calls externally).

#ifndef LOCKSCOPE_VIZ_DOT_GRAPH_H_
#define LOCKSCOPE_VIZ_DOT_GRAPH_H_

#include <cstddef>
#include <string>

#include "findings.h"

namespace lockscope {
namespace viz {

// `dot` on a tangled graph of 150 locks and 300 labelled edges takes over a minute (measured with
// bench/graph_render_bench): beyond these sizes sfdp lays it out in about a second.
inline constexpr size_t kLargeGraphNodes = 100;
inline constexpr size_t kLargeGraphEdges = 150;

struct DotOptions {
  bool full_graph = false;  // every lock of Report::graph, not only the findings' neighbourhood
  bool legend = true;
};

std::string RenderDot(const analysis::Report& report, const DotOptions& options);
std::string RenderDot(const analysis::Report& report);  // default options

// Lays out `dot` with the engine named by its graph attribute `layout` ("dot" when unset) and
// renders SVG. Returns false with a one-line `error` if Graphviz rejects the input or has no SVG
// renderer installed.
bool RenderSvg(const std::string& dot, std::string* svg, std::string* error);

// Escapes a string for use inside a double-quoted DOT string (quotes, backslashes, newlines,
// control bytes; invalid UTF-8 bytes replaced with U+FFFD).
std::string EscapeDot(const std::string& s);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_DOT_GRAPH_H_
